package dev.feedbackagg.sim;

import java.util.Locale;

/**
 * How an item's true preference q(k) becomes the revealed outcome y(k) and the labelers' private
 * preferences. In every model q(k) ~ Beta(1/2, 1/2) (drawn as sin^2(pi U / 2)): most comparisons
 * have a clear winner, some are close calls.
 */
public enum OutcomeModel {
  /**
   * The default. y(k) ~ Bernoulli(q(k)) (a gold label, an expert's or a user's binary choice) and
   * p(i,k) = clip(q(k) + b(i) + e(i,k)): labelers perceive the true preference, not the coin flip.
   * E[y | q] = q, so an unbiased noiseless labeler is the Bayes forecaster and Brier is proper for it.
   */
  BERNOULLI,
  /** y(k) = q(k) revealed as a soft label; p(i,k) = clip(y(k) + b(i) + e(i,k)) as in MECHANISM.md. */
  SOFT,
  /**
   * y(k) ~ Bernoulli(q(k)) and p(i,k) = clip(y(k) + b(i) + e(i,k)) read literally with the binary y:
   * labelers see through to the realised outcome, up to taste and noise.
   */
  BINARY;

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OutcomeModel parse(String s) {
    for (OutcomeModel m : values()) {
      if (m.name().equalsIgnoreCase(s.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException("outcome model: unknown '" + s + "' (bernoulli, soft or binary)");
  }
}
