package dev.feedbackagg.core;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The single definition of "correct": applies an event log of item closes and outcome reveals to
 * the core in event-time order (MECHANISM.md, "Ordering and time") and returns every aggregate,
 * weight snapshot and regret snapshot. The streaming job must reproduce it bit for bit.
 *
 * <p>Cohorts are independent; each one's timeline is replayed on its own, with the same timers the
 * job has (metrics boundaries, pending-item expiries), and closed by an end-of-input snapshot.
 */
public final class Reference {
  private final CohortMechanism mechanism;

  public Reference(MechanismConfig config) {
    this.mechanism = new CohortMechanism(config);
  }

  /** What the reference emits, per cohort in order; cohorts in ascending name order. */
  public static final class Result implements MechanismOutput {
    public final List<AggregatedPreference> aggregated = new ArrayList<>();
    public final List<RegretMetrics> regret = new ArrayList<>();
    public final List<LabelerWeight> weights = new ArrayList<>();
    public final List<ItemEvent> unmatchedOutcomes = new ArrayList<>();

    /** The final state of each cohort, for inspection. */
    public final Map<String, InMemoryCohortStore> stores = new TreeMap<>();

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
      unmatchedOutcomes.add(outcome);
    }

    /** The end-of-input snapshot of a cohort. */
    public RegretMetrics finalRegret(String cohort) {
      for (int i = regret.size() - 1; i >= 0; i--) {
        if (regret.get(i).getCohort().equals(cohort) && regret.get(i).getEndOfInput()) {
          return regret.get(i);
        }
      }
      throw new IllegalArgumentException("no cohort " + cohort);
    }
  }

  /** Replays the events (any order) and returns everything emitted. */
  public Result run(Collection<ItemEvent> events) {
    Map<String, TreeMap<Long, List<ItemEvent>>> byCohort = new TreeMap<>();
    for (ItemEvent e : events) {
      byCohort
          .computeIfAbsent(e.cohort, c -> new TreeMap<>())
          .computeIfAbsent(e.time, t -> new ArrayList<>())
          .add(e);
    }
    Result result = new Result();
    try {
      for (Map.Entry<String, TreeMap<Long, List<ItemEvent>>> c : byCohort.entrySet()) {
        result.stores.put(c.getKey(), replayCohort(c.getKey(), c.getValue(), result));
      }
    } catch (Exception e) {
      throw new IllegalStateException("reference replay failed", e);
    }
    return result;
  }

  private InMemoryCohortStore replayCohort(
      String cohort, TreeMap<Long, List<ItemEvent>> timeline, MechanismOutput out) throws Exception {
    InMemoryCohortStore store = new InMemoryCohortStore();
    while (true) {
      long next = Long.MAX_VALUE;
      if (!timeline.isEmpty()) {
        next = timeline.firstKey();
      }
      long boundary = store.summary().pendingBoundary;
      if (boundary != CohortSummary.NO_BOUNDARY) {
        next = Math.min(next, boundary);
      }
      next = Math.min(next, store.nextExpiry());
      if (next == Long.MAX_VALUE && timeline.isEmpty()) {
        break;
      }
      List<ItemEvent> now = timeline.remove(next);
      mechanism.step(store, cohort, next, now == null ? List.of() : now, out);
    }
    mechanism.endOfInput(store, cohort, out);
    return store;
  }
}
