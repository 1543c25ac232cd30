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

  private Aggregation(Scratch s, double[] normalisedWeights) {
    this.maxLogWeight = s.maxLogWeight;
    this.sumWeights = s.sumWeights;
    this.preference = s.preference;
    this.normalisedWeights = normalisedWeights;
    this.effectiveLabelers = s.effectiveLabelers;
    this.mean = s.mean;
    this.median = s.median;
    this.majority = s.majority;
  }

  /**
   * Aggregates reports r with log-weights a (same order: ascending labeler id).
   *
   * @throws IllegalArgumentException on no reports or arrays of different lengths
   */
  public static Aggregation of(double[] reports, double[] logWeights) {
    int n = reports.length;
    check(n, logWeights.length);
    Scratch s = new Scratch();
    s.aggregate(reports, logWeights);
    return new Aggregation(s, Arrays.copyOf(s.weights, n));
  }

  /** Throws unless there are as many log-weights as reports, and at least one. */
  static void check(int reports, int logWeights) {
    if (reports == 0 || logWeights != reports) {
      throw new IllegalArgumentException(
          "aggregation needs one log-weight per report and at least one report, got "
              + reports + " reports and " + logWeights + " log-weights");
    }
  }

  /**
   * The same aggregation into reusable buffers: the mechanism's hot path allocates nothing per
   * item here. The one place where the arithmetic of the aggregation lives.
   */
  static final class Scratch {
    double preference;

    /** Normalised weights in [0, n); the array may be longer. */
    double[] weights = new double[16];

    double effectiveLabelers;
    double mean;
    double median;
    double majority;
    double maxLogWeight;
    double sumWeights;

    /** Sorted copy of the reports, for the median. */
    private double[] sorted = new double[16];

    /**
     * Aggregates reports (all of them, n >= 1) with logWeights[0, n) (ascending labeler id; the
     * array may be longer).
     */
    void aggregate(double[] reports, double[] logWeights) {
      int n = reports.length;
      if (weights.length < n) {
        weights = new double[Math.max(n, 2 * weights.length)];
        sorted = new double[weights.length];
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        max = Math.max(max, logWeights[i]);
      }
      double[] w = weights;
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
      preference = p;
      effectiveLabelers = sum * sum / sumSq;
      mean = mean(reports);
      median = median(reports, sorted);
      majority = majority(reports);
      maxLogWeight = max;
      sumWeights = sum;
    }
  }

  static double mean(double[] r) {
    double s = 0.0;
    for (double v : r) {
      s += v;
    }
    return s / r.length;
  }

  /**
   * The median of r, sorting a copy in buf (at least r.length long). Insertion sort in the order
   * of Double.compare, the order of Arrays.sort (-0.0 before 0.0): the same values, without its
   * set-up cost on a handful of reports (Arrays.sort itself beyond 32).
   */
  static double median(double[] r, double[] buf) {
    int n = r.length;
    if (n > 32) {
      System.arraycopy(r, 0, buf, 0, n);
      Arrays.sort(buf, 0, n);
    } else {
      insertionSort(r, buf);
    }
    return (n % 2 == 1) ? buf[n / 2] : (buf[n / 2 - 1] + buf[n / 2]) / 2.0;
  }

  private static void insertionSort(double[] r, double[] buf) {
    int n = r.length;
    for (int i = 0; i < n; i++) {
      double v = r[i];
      int j = i - 1;
      while (j >= 0 && Double.compare(buf[j], v) > 0) {
        buf[j + 1] = buf[j];
        j--;
      }
      buf[j + 1] = v;
    }
  }

  /**
   * Fraction of reports above 0.5, a report of exactly 0.5 counting one half. The votes are
   * counted in halves without branches (the reports are random, branches on them mispredict);
   * halves * 0.5 is exactly the sum of the 1.0s and 0.5s.
   */
  static double majority(double[] r) {
    int halves = 0;
    for (double v : r) {
      halves += v > 0.5 ? 2 : v == 0.5 ? 1 : 0;
    }
    double votes = halves * 0.5;
    return votes / r.length;
  }
}
