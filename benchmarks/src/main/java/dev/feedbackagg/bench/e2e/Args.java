package dev.feedbackagg.bench.e2e;

import dev.feedbackagg.cli.DurationConverter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** `--name value` and `--flag` options of the harness commands, with defaults and a usage text. */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Map<String, String> help = new LinkedHashMap<>();
  private final List<String> flags = new ArrayList<>();
  private final String command;

  Args(String command) {
    this.command = command;
  }

  /** Declares an option with a default (null: required) and a description. */
  Args option(String name, String defaultValue, String description) {
    values.put(name, defaultValue);
    help.put(name, description + (defaultValue == null ? " (required)" : " (default: " + defaultValue + ")"));
    return this;
  }

  Args flag(String name, String description) {
    flags.add(name);
    help.put(name, description);
    values.put(name, null);
    return this;
  }

  Args parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        throw new Usage(usage());
      }
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      if (!help.containsKey(name)) {
        throw new Usage("unknown option " + name + "\n" + usage());
      }
      if (flags.contains(name)) {
        values.put(name, value == null ? "true" : value);
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new Usage(name + " needs a value\n" + usage());
        }
        value = args[++i];
      }
      values.put(name, value);
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (e.getValue() == null && !flags.contains(e.getKey())) {
        throw new Usage(e.getKey() + " is required\n" + usage());
      }
    }
    return this;
  }

  String get(String name) {
    return values.get(name);
  }

  boolean flag(String name) {
    return "true".equals(values.get(name));
  }

  int integer(String name) {
    return Integer.parseInt(get(name).replace("_", ""));
  }

  long number(String name) {
    return Long.parseLong(get(name).replace("_", ""));
  }

  double real(String name) {
    return Double.parseDouble(get(name));
  }

  Duration duration(String name) {
    return parseDuration(get(name));
  }

  List<String> list(String name) {
    List<String> out = new ArrayList<>();
    for (String s : get(name).split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /** 500ms, 5s, 2m, 1h, 0, or a bare number of milliseconds; the job's own parser does the units. */
  static Duration parseDuration(String v) {
    String t = v.trim();
    if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
      return Duration.ofMillis(Long.parseLong(t));
    }
    return DurationConverter.parse(t);
  }

  /** The job option form of a duration: 5s, 200ms, 0. */
  static String jobDuration(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }

  String usage() {
    StringBuilder sb = new StringBuilder("usage: E2eBench " + command + " [options]\n");
    help.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-24s %s%n", k, v)));
    return sb.toString();
  }

  /** A bad command line: the message is printed, exit code 2. */
  static final class Usage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Usage(String message) {
      super(message);
    }
  }
}
