package dev.feedbackagg.core;

/**
 * A closed item waiting for its outcome: its reports, the log-weights used to aggregate it (the
 * update needs exactly those, MECHANISM.md "Update"), and the forecasts scored for regret.
 * A Flink POJO.
 */
public final class PendingItem {
  public String promptId;
  public long closeTime;

  /** Ascending labeler ids. */
  public String[] labelerIds;

  /** Reports, aligned with labelerIds. */
  public double[] reports;

  /** Log-weights a(i) = -eta D(i) at close, aligned with labelerIds. */
  public double[] logWeights;

  /** max_i a(i), and sum_i exp(a(i) - max): the normaliser of the aggregation, reused by the update. */
  public double maxLogWeight;

  public double sumWeights;

  public double preference;
  public double mean;
  public double median;
  public double majority;

  public PendingItem() {}

  /** When the item is dropped if its outcome has not come: close time + outcome timeout. */
  public long expiresAt(long outcomeTimeoutMs) {
    return saturatingAdd(closeTime, outcomeTimeoutMs);
  }

  static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
