package dev.feedbackagg.job.operators;

import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The job's keys: an item's key ({@link ItemWindow#key}) of a report or an outcome, and the cohort
 * of an item event. One class for the three, told apart by a field, not three lambdas: Flink calls
 * key selectors from a few call sites of its own (the partitioner of every keyed shuffle, the
 * operators' key context), and with one class per job those sites keep a single receiver type in
 * the JIT's profile, where three classes had made compiled task loops be thrown away and compiled
 * again during a run (JFR deoptimization events, reason class_check). In an A/B of the whole job the
 * difference was within the run-to-run spread. The operator tests key their harnesses with these
 * same selectors.
 *
 * @param <T> the events keyed
 */
public final class EventKey<T> implements KeySelector<T, String> {
  private static final long serialVersionUID = 1L;

  private static final int REPORT = 0;
  private static final int OUTCOME = 1;
  private static final int COHORT = 2;

  private final int kind;

  private EventKey(int kind) {
    this.kind = kind;
  }

  /** A report's item: cohort and prompt id. */
  public static EventKey<ReportEvent> reportItem() {
    return new EventKey<>(REPORT);
  }

  /** An outcome's item: cohort and prompt id. */
  public static EventKey<OutcomeEvent> outcomeItem() {
    return new EventKey<>(OUTCOME);
  }

  /** An item event's cohort. */
  public static EventKey<ItemEvent> cohort() {
    return new EventKey<>(COHORT);
  }

  @Override
  public String getKey(T event) {
    switch (kind) {
      case REPORT: {
        ReportEvent r = (ReportEvent) event;
        return ItemWindow.key(r.report.getCohort(), r.report.getPromptId());
      }
      case OUTCOME: {
        OutcomeEvent o = (OutcomeEvent) event;
        return ItemWindow.key(o.outcome.getCohort(), o.outcome.getPromptId());
      }
      default:
        return ((ItemEvent) event).cohort;
    }
  }
}
