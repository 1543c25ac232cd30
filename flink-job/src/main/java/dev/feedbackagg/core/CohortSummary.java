package dev.feedbackagg.core;

/**
 * Per-cohort counters of the regret accounting (MECHANISM.md, "Regret accounting") and the
 * bookkeeping of snapshots. A Flink POJO.
 */
public final class CohortSummary {
  /** No snapshot boundary is due. */
  public static final long NO_BOUNDARY = Long.MIN_VALUE;

  /** T: items with outcome applied. */
  public long rounds;

  public long itemsClosed;
  public long itemsExpired;
  public long labelers;

  public double lossMechanism;
  public double lossMean;
  public double lossMedian;
  public double lossMajority;
  public double sumEffectiveLabelers;

  /**
   * Ascending ids of the labelers present on every item with outcome so far (candidates for the
   * best labeler in hindsight); null before the first outcome.
   */
  public String[] fullParticipants;

  /** The max specialist regret at the last snapshot and its labeler (null: none). */
  public String maxRegretLabeler;

  public double maxRegret;

  /** The next metrics boundary at which a snapshot is due, or {@link #NO_BOUNDARY}. */
  public long pendingBoundary = NO_BOUNDARY;

  public CohortSummary() {}
}
