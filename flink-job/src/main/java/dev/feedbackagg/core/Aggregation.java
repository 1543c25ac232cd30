package dev.feedbackagg.core;

import java.util.Arrays;

/**
 * The aggregate of one item's reports. MECHANISM.md, "Aggregation": the weighted preference (in
 * log-sum-exp form, summed in ascending labeler order), and mean, median and majority beside it.
 */
public final class Aggregation {
  /** Weighted preference p(k). */
  public final double preference;

  /** Normalised weights, aligned with the reports. */
  public final double[] normalisedWeights;

  /** (sum w)^2 / sum w^2. */
  public final double effectiveLabelers;

  public final double mean;
  public final double median;
  public final double majority;

  /** max of the log-weights, and sum of exp(log-weight - max). */
  public final double maxLogWeight;

  public final double sumWeights;

  private Aggregation(
      double preference,
      double[] normalisedWeights,
      double effectiveLabelers,
      double mean,
      double median,
      double majority,
      double maxLogWeight,
      double sumWeights) {
    this.maxLogWeight = maxLogWeight;
    this.sumWeights = sumWeights;
    this.preference = preference;
    this.normalisedWeights = normalisedWeights;
    this.effectiveLabelers = effectiveLabelers;
    this.mean = mean;
    this.median = median;
    this.majority = majority;
  }

  /**
   * Aggregates reports r with log-weights a (same order: ascending labeler id).
   *
   * @throws IllegalArgumentException on no reports or arrays of different lengths
   */
  public static Aggregation of(double[] reports, double[] logWeights) {
    int n = reports.length;
    if (n == 0 || logWeights.length != n) {
      throw new IllegalArgumentException(
          "aggregation needs one log-weight per report and at least one report, got "
              + n + " reports and " + logWeights.length + " log-weights");
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double a : logWeights) {
      max = Math.max(max, a);
    }
    double[] w = new double[n];
    double sum = 0.0;
    double sumSq = 0.0;
    double weighted = 0.0;
    for (int i = 0; i < n; i++) {
      double e = Math.exp(logWeights[i] - max);
      w[i] = e;
      sum += e;
      sumSq += e * e;
      weighted += e * reports[i];
    }
    double p = weighted / sum;
    // Rounding may leave p a hair outside [0,1]; the contract says p is a probability.
    p = Math.min(1.0, Math.max(0.0, p));
    for (int i = 0; i < n; i++) {
      w[i] /= sum;
    }
    return new Aggregation(
        p, w, sum * sum / sumSq, mean(reports), median(reports), majority(reports), max, sum);
  }

  static double mean(double[] r) {
    double s = 0.0;
    for (double v : r) {
      s += v;
    }
    return s / r.length;
  }

  static double median(double[] r) {
    double[] s = r.clone();
    Arrays.sort(s);
    int n = s.length;
    return (n % 2 == 1) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
  }

  /** Fraction of reports above 0.5, a report of exactly 0.5 counting one half. */
  static double majority(double[] r) {
    double votes = 0.0;
    for (double v : r) {
      if (v > 0.5) {
        votes += 1.0;
      } else if (v == 0.5) {
        votes += 0.5;
      }
    }
    return votes / r.length;
  }
}
