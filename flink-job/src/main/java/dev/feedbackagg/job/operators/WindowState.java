package dev.feedbackagg.job.operators;

import dev.feedbackagg.core.ItemState;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything ItemWindow keeps for one item, in one state entry: the item as the assembler left it,
 * the inputs that wait for the watermark, and the one event-time timer registered for the item.
 * A Flink POJO (arrays, not lists, so that no field falls back to Kryo).
 */
public final class WindowState {
  private static final ReportEvent[] NO_REPORTS = new ReportEvent[0];
  private static final OutcomeEvent[] NO_OUTCOMES = new OutcomeEvent[0];

  /** The assembler's state, or null: not seen yet, or cleared after the grace period. */
  public ItemState item;

  /** Inputs not applied yet (their time is ahead of the watermark), in arrival order. */
  public ReportEvent[] reports = NO_REPORTS;

  public OutcomeEvent[] outcomes = NO_OUTCOMES;

  /** The time of the item's registered timer, or ItemState.NONE. */
  public long timer = ItemState.NONE;

  public WindowState() {}

  void add(ReportEvent r) {
    reports = Arrays.copyOf(reports, reports.length + 1);
    reports[reports.length - 1] = r;
  }

  void add(OutcomeEvent o) {
    outcomes = Arrays.copyOf(outcomes, outcomes.length + 1);
    outcomes[outcomes.length - 1] = o;
  }

  boolean isEmpty() {
    return item == null && reports.length == 0 && outcomes.length == 0;
  }

  /** The earliest buffered input time, or ItemState.NONE. */
  long earliestInput() {
    long t = Long.MAX_VALUE;
    boolean any = false;
    for (ReportEvent r : reports) {
      t = Math.min(t, r.time());
      any = true;
    }
    for (OutcomeEvent o : outcomes) {
      t = Math.min(t, o.time());
      any = true;
    }
    return any ? t : ItemState.NONE;
  }

  /** Removes and returns the buffered reports with time ts, in arrival order. */
  List<ReportEvent> takeReports(long ts) {
    List<ReportEvent> at = new ArrayList<>(reports.length);
    List<ReportEvent> rest = new ArrayList<>(reports.length);
    for (ReportEvent r : reports) {
      (r.time() == ts ? at : rest).add(r);
    }
    reports = rest.isEmpty() ? NO_REPORTS : rest.toArray(NO_REPORTS);
    return at;
  }

  /** Removes and returns the buffered outcomes with time ts, in arrival order. */
  List<OutcomeEvent> takeOutcomes(long ts) {
    if (outcomes.length == 0) {
      return List.of();
    }
    List<OutcomeEvent> at = new ArrayList<>(outcomes.length);
    List<OutcomeEvent> rest = new ArrayList<>(outcomes.length);
    for (OutcomeEvent o : outcomes) {
      (o.time() == ts ? at : rest).add(o);
    }
    outcomes = rest.isEmpty() ? NO_OUTCOMES : rest.toArray(NO_OUTCOMES);
    return at;
  }
}
