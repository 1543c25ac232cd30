package dev.feedbackagg.core;

/**
 * The learning rate. MECHANISM.md, "Learning rate eta": a fixed value (default 0.5), or the
 * `paper` rate sqrt(8 ln N / T) for a configured number of labelers N and horizon T.
 */
public final class Eta {
  /** The default fixed rate: Brier loss is 1/2-exp-concave, so regret <= 2 ln N. */
  public static final double DEFAULT = 0.5;

  private Eta() {}

  /** A fixed rate; must be finite and > 0. */
  public static double fixed(double eta) {
    return Checks.positive("eta", eta);
  }

  /** sqrt(8 ln N / T), the classic Hedge rate for a bounded loss. */
  public static double paper(long labelers, long horizon) {
    Checks.atLeast("paper eta labelers N", labelers, 2);
    Checks.atLeast("paper eta horizon T", horizon, 1);
    return Math.sqrt(8.0 * Math.log(labelers) / horizon);
  }

  /**
   * Parses "paper" (needs N and T) or a number.
   *
   * @param labelers N for the paper rate; ignored for a number
   * @param horizon T for the paper rate; ignored for a number
   */
  public static double parse(String mode, long labelers, long horizon) {
    if (mode == null) {
      throw new IllegalArgumentException("eta: missing");
    }
    String m = mode.trim();
    if (m.equalsIgnoreCase("paper")) {
      return paper(labelers, horizon);
    }
    double v;
    try {
      v = Double.parseDouble(m);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "eta: '" + mode + "' is neither a positive number nor 'paper'", e);
    }
    return fixed(v);
  }
}
