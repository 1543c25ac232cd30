package dev.feedbackagg.core;

import java.util.List;

/**
 * A cohort's item events waiting to be applied, grouped by event time: where {@link
 * CohortMechanism#advance} takes them from, earliest time first.
 */
public interface EventBuffer {
  /** Whether no events are buffered. */
  boolean isEmpty();

  /** The earliest time with buffered events; only called when not {@link #isEmpty}. */
  long firstTime();

  /**
   * Removes and returns the events of the earliest time (in any order; the list is not changed);
   * only called when not {@link #isEmpty}.
   */
  List<ItemEvent> takeFirst();
}
