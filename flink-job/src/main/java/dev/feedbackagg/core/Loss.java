package dev.feedbackagg.core;

import java.util.Locale;

/** The loss l(p, y) on [0,1] x [0,1]. MECHANISM.md, Objects. */
public enum Loss {
  /** (p - y)^2, the default; eta-exp-concave for eta <= 1/2. */
  BRIER {
    @Override
    public double of(double p, double y) {
      double d = p - y;
      return d * d;
    }
  },
  /** |p - y|. */
  ABSOLUTE {
    @Override
    public double of(double p, double y) {
      return Math.abs(p - y);
    }
  },
  /** -(y ln p + (1 - y) ln(1 - p)), p clipped to [1e-6, 1 - 1e-6]. */
  LOG {
    @Override
    public double of(double p, double y) {
      double q = Math.min(Math.max(p, LOG_CLIP), 1.0 - LOG_CLIP);
      return -(y * Math.log(q) + (1.0 - y) * Math.log(1.0 - q));
    }
  };

  static final double LOG_CLIP = 1e-6;

  /** The loss of forecast p against outcome y. */
  public abstract double of(double p, double y);

  /** The lower-case name used on the command line and in docs. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses brier, absolute or log (any case); an unknown name is an error naming it. */
  public static Loss parse(String name) {
    if (name != null) {
      for (Loss l : values()) {
        if (l.name().equalsIgnoreCase(name.trim())) {
          return l;
        }
      }
    }
    throw new IllegalArgumentException(
        "loss: unknown loss '" + name + "' (expected brier, absolute or log)");
  }
}
