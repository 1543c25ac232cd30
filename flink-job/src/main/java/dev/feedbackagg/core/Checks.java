package dev.feedbackagg.core;

/** Argument checks whose messages name the field and the value. */
public final class Checks {
  private Checks() {}

  /** v must be a number in [0,1]. */
  public static double unitInterval(String field, double v) {
    if (!(v >= 0.0 && v <= 1.0)) {
      throw new IllegalArgumentException(field + ": " + v + " is not in [0,1]");
    }
    return v;
  }

  /** v must be a finite number > 0. */
  public static double positive(String field, double v) {
    if (!(v > 0.0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(field + ": " + v + " must be a finite number > 0");
    }
    return v;
  }

  /** v must be a finite number >= 0. */
  public static double nonNegative(String field, double v) {
    if (!(v >= 0.0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(field + ": " + v + " must be a finite number >= 0");
    }
    return v;
  }

  /** v must be >= min. */
  public static long atLeast(String field, long v, long min) {
    if (v < min) {
      throw new IllegalArgumentException(field + ": " + v + " must be >= " + min);
    }
    return v;
  }

  /** s must be a non-empty string. */
  public static String nonEmpty(String field, String s) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    return s;
  }
}
