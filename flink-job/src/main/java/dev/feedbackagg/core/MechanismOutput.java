package dev.feedbackagg.core;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;

/** Where the mechanism of a cohort sends what it emits. */
public interface MechanismOutput {
  /**
   * What follows is emitted at event time t: {@link CohortMechanism#advance} calls this before it
   * applies each due time. This default ignores it.
   */
  default void at(long t) {}

  void aggregated(AggregatedPreference record);

  void regret(RegretMetrics record);

  void weight(LabelerWeight record);

  /** An outcome for an item the mechanism does not hold (expired, or never closed). */
  void unmatchedOutcome(ItemEvent outcome);
}
