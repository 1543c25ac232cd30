package dev.feedbackagg.core;

/**
 * The state of one cohort's mechanism, wherever it lives: maps in the reference, Flink keyed
 * state in the job. Values handed out may be live objects; callers write back what they change.
 */
public interface CohortStore {
  /** The labeler's state, or null for a labeler never seen in this cohort. */
  LabelerState labeler(String labelerId) throws Exception;

  void putLabeler(String labelerId, LabelerState state) throws Exception;

  /**
   * The states of labelerIds into states[0, labelerIds.length) (null for a labeler never seen),
   * as {@link #labeler} one by one, which is what this default does. A store may overlap the
   * lookups (their cache misses) instead.
   */
  default void labelers(String[] labelerIds, LabelerState[] states) throws Exception {
    for (int i = 0; i < labelerIds.length; i++) {
      states[i] = labeler(labelerIds[i]);
    }
  }

  /**
   * Looks up the labelers ids[0, n) ahead of their items (the mechanism's look-ahead): fills
   * states[0, n) with their states, null for a labeler not seen yet, and returns true; or does
   * nothing and returns false, as this default does. A store that fills them must hand out its
   * live states, which stay the labelers' states while the mechanism runs (it puts only new
   * labelers), and may overlap the lookups' cache misses. The mechanism uses them for items
   * applied later in the same call, and looks up again a labeler that was null.
   */
  default boolean labelersAhead(String[] ids, int n, LabelerState[] states) throws Exception {
    return false;
  }

  /**
   * Writes back a labeler's state that was read with {@link #labeler} and then changed. A store
   * whose values are live objects (plain maps) has nothing to do; one that serializes (Flink's
   * RocksDB backend) must store it.
   */
  default void updateLabeler(String labelerId, LabelerState state) throws Exception {
    putLabeler(labelerId, state);
  }

  /** Notes that a labeler's state changed since the last snapshot (called once per labeler). */
  void markChanged(String labelerId) throws Exception;

  /** Removes and returns the labelers noted changed since the last snapshot, in any order. */
  String[] takeChanged() throws Exception;

  /** Visits every labeler of the cohort, in any order. */
  void forEachLabeler(LabelerVisitor visitor) throws Exception;

  PendingItem pending(String promptId) throws Exception;

  void putPending(PendingItem item) throws Exception;

  void removePending(String promptId) throws Exception;

  /**
   * Sets the expiry of the pending item of promptId (already put) to time. An item has one
   * expiry: registering again moves it; removing the item, or putting another item of the same
   * prompt id, forgets it.
   */
  void addExpiry(long time, String promptId) throws Exception;

  /**
   * The earliest expiry of a pending item, or Long.MAX_VALUE if there is none (an item expiring
   * at Long.MAX_VALUE is never due).
   */
  long nextExpiry() throws Exception;

  /**
   * Forgets and returns the prompt ids of the pending items that expire at time, each once, in
   * any order (empty array if none); the items stay pending. Time is at most {@link
   * #nextExpiry()}: expiries are taken in time order.
   */
  String[] takeExpiries(long time) throws Exception;

  /** The summary; a fresh one for a new cohort. */
  CohortSummary summary() throws Exception;

  void putSummary(CohortSummary summary) throws Exception;

  /** A visitor of labeler states. */
  @FunctionalInterface
  interface LabelerVisitor {
    void visit(String labelerId, LabelerState state) throws Exception;
  }
}
