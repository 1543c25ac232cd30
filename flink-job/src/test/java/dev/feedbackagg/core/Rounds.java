package dev.feedbackagg.core;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import java.util.ArrayList;
import java.util.List;

/** Drives one cohort's mechanism round by round, for tests of the arithmetic. */
final class Rounds implements MechanismOutput {
  static final String COHORT = "c";

  final CohortMechanism mechanism;
  final InMemoryCohortStore store = new InMemoryCohortStore();
  final List<AggregatedPreference> aggregated = new ArrayList<>();
  final List<RegretMetrics> regret = new ArrayList<>();
  final List<LabelerWeight> weights = new ArrayList<>();
  long time;

  Rounds(MechanismConfig config) {
    this.mechanism = new CohortMechanism(config);
  }

  static String id(int i) {
    return String.format("L%04d", i);
  }

  static String[] ids(int n) {
    String[] ids = new String[n];
    for (int i = 0; i < n; i++) {
      ids[i] = id(i);
    }
    return ids;
  }

  /** Closes an item with these (ascending) labelers and reports and reveals y right after. */
  AggregatedPreference round(String[] labelers, double[] reports, double y) {
    time++;
    ItemEvent close =
        ItemEvent.close(COHORT, "p" + time, "a", "b", time, CloseReason.COMPLETE, labelers, reports)
            .withHeldOutcome(y);
    try {
      mechanism.step(store, COHORT, time, List.of(close), this);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return aggregated.get(aggregated.size() - 1);
  }

  RegretMetrics finish() {
    try {
      mechanism.endOfInput(store, COHORT, this);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return regret.get(regret.size() - 1);
  }

  LabelerState labeler(int i) {
    return store.labeler(id(i));
  }

  @Override
  public void aggregated(AggregatedPreference record) {
    aggregated.add(record);
  }

  @Override
  public void regret(RegretMetrics record) {
    regret.add(record);
  }

  @Override
  public void weight(LabelerWeight record) {
    weights.add(record);
  }

  @Override
  public void unmatchedOutcome(ItemEvent outcome) {
    throw new AssertionError("unexpected unmatched outcome " + outcome);
  }
}
