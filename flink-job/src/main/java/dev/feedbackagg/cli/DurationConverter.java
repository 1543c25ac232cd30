package dev.feedbackagg.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Durations as 500ms, 10s, 5m, 2h, 7d, or ISO-8601 (PT10S). */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  public static Duration parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
      }
      int i = 0;
      while (i < v.length() && Character.isDigit(v.charAt(i))) {
        i++;
      }
      long n = Long.parseLong(v.substring(0, i));
      String unit = v.substring(i).trim();
      if (unit.isEmpty() && n == 0) {
        return Duration.ZERO; // "0" disables what takes a zero duration
      }
      switch (unit) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
        case "min":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        case "d":
          return Duration.ofDays(n);
        default:
          break;
      }
    } catch (RuntimeException e) {
      // fall through to the message below
    }
    throw new CommandLine.TypeConversionException(
        "'" + value + "' is not a duration (e.g. 500ms, 10s, 5m, 2h, 7d or PT10S)");
  }
}
