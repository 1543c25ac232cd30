package dev.feedbackagg.sim;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * How a labeler turns its private preference p = p(i,k) into a report r (MECHANISM.md, "Strategic
 * labelers"). Every report is clipped to [0,1].
 *
 * <p>Names (for the command line and printing): {@code truthful}, {@code exaggerate:ALPHA},
 * {@code shift:DELTA}, {@code flip}, {@code constant}, {@code random}.
 */
public sealed interface Strategy {

  /**
   * The report.
   *
   * @param p the private preference
   * @param bias the labeler's bias b(i) (its taste; shift moves towards sign(b))
   * @param u a U[0,1) draw private to (labeler, item), used by {@code random} only
   */
  double report(double p, double bias, double u);

  /** The canonical name, parseable by {@link #parse}. */
  String name();

  /** r = p. */
  record Truthful() implements Strategy {
    @Override
    public double report(double p, double bias, double u) {
      return p;
    }

    @Override
    public String name() {
      return "truthful";
    }
  }

  /** r = clip(p + alpha (p - 0.5)): away from indifference. */
  record Exaggerate(double alpha) implements Strategy {
    public Exaggerate {
      if (!(alpha > 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("exaggerate: alpha " + alpha + " must be > 0");
      }
    }

    @Override
    public double report(double p, double bias, double u) {
      return clip(p + alpha * (p - 0.5));
    }

    @Override
    public String name() {
      return "exaggerate:" + num(alpha);
    }
  }

  /** r = clip(p + delta sign(b)): towards the labeler's own taste. */
  record Shift(double delta) implements Strategy {
    public Shift {
      if (!(delta > 0) || Double.isInfinite(delta)) {
        throw new IllegalArgumentException("shift: delta " + delta + " must be > 0");
      }
    }

    @Override
    public double report(double p, double bias, double u) {
      return clip(p + delta * Math.signum(bias));
    }

    @Override
    public String name() {
      return "shift:" + num(delta);
    }
  }

  /** r = 1 - p. */
  record Flip() implements Strategy {
    @Override
    public double report(double p, double bias, double u) {
      return clip(1.0 - p);
    }

    @Override
    public String name() {
      return "flip";
    }
  }

  /** r = 1{p > 0.5}: a hard binary vote. */
  record Constant() implements Strategy {
    @Override
    public double report(double p, double bias, double u) {
      return p > 0.5 ? 1.0 : 0.0;
    }

    @Override
    public String name() {
      return "constant";
    }
  }

  /** r ~ U[0,1], whatever p: a spammer. */
  record RandomReport() implements Strategy {
    @Override
    public double report(double p, double bias, double u) {
      return u;
    }

    @Override
    public String name() {
      return "random";
    }
  }

  Strategy TRUTHFUL = new Truthful();

  /** Parses a name of the form above (case-insensitive); throws naming the bad value. */
  static Strategy parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("strategy: missing");
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    String head = s;
    String arg = null;
    int colon = s.indexOf(':');
    if (colon >= 0) {
      head = s.substring(0, colon);
      arg = s.substring(colon + 1).trim();
    }
    try {
      switch (head) {
        case "truthful":
          noArg(text, arg);
          return TRUTHFUL;
        case "exaggerate":
          return new Exaggerate(arg == null ? 1.0 : Double.parseDouble(arg));
        case "shift":
          return new Shift(arg == null ? 0.2 : Double.parseDouble(arg));
        case "flip":
          noArg(text, arg);
          return new Flip();
        case "constant":
          noArg(text, arg);
          return new Constant();
        case "random":
          noArg(text, arg);
          return new RandomReport();
        default:
          break;
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("strategy '" + text + "': bad number '" + arg + "'", e);
    }
    throw new IllegalArgumentException("strategy '" + text + "': expected truthful, exaggerate:ALPHA,"
        + " shift:DELTA, flip, constant or random");
  }

  private static void noArg(String text, String arg) {
    if (arg != null) {
      throw new IllegalArgumentException("strategy '" + text + "' takes no parameter");
    }
  }

  static double clip(double v) {
    return v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
  }

  private static String num(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
