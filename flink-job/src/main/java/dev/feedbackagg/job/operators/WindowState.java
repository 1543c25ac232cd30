package dev.feedbackagg.job.operators;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.core.ItemState;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.core.SourcedRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything ItemWindow keeps for one item, in one state entry: the item as the assembler left it,
 * the inputs that wait for the watermark, and the due time the item is queued for. A Flink POJO
 * (arrays, not lists, so that no field falls back to Kryo); the transient fields are the
 * operator's bookkeeping and are not written.
 */
public final class WindowState {
  private static final ReportEvent[] NO_REPORTS = new ReportEvent[0];
  private static final OutcomeEvent[] NO_OUTCOMES = new OutcomeEvent[0];

  /** The assembler's state, or null: not seen yet, or cleared after the grace period. */
  public ItemState item;

  /** Inputs not applied yet (their time is ahead of the watermark), in arrival order. */
  public ReportEvent[] reports = NO_REPORTS;

  public OutcomeEvent[] outcomes = NO_OUTCOMES;

  /** The due time the item is queued for, or ItemState.NONE. */
  public long timer = ItemState.NONE;

  /** The item's key (cohort and prompt id, {@link ItemWindow#key}). */
  transient String key;

  /** Changed since the last checkpoint wrote it. */
  transient boolean dirty;

  /** Written to the open items' keyed state by a checkpoint (or read back from it). */
  transient boolean stored;

  /** Brought back from the markers' keyed state, where its marker still is. */
  transient boolean marked;

  public WindowState() {}

  /**
   * A copy for the state backend: the operator goes on changing its own object (the item's
   * fields) while a snapshot is written asynchronously. The arrays are shared: they are replaced,
   * never changed in place, here and in the assembler, and the inputs are never changed.
   */
  WindowState copy() {
    WindowState c = new WindowState();
    c.item = item == null ? null : item.copy();
    c.reports = reports;
    c.outcomes = outcomes;
    c.timer = timer;
    return c;
  }

  /**
   * Adds a report that waits for the watermark. Its cohort, prompt and response ids are almost
   * always equal to strings the item holds already (in its state, or in the first report waiting):
   * the report is given those, so that while it waits only its own strings (report and labeler id)
   * stay alive, and its copies die young. Equal strings: what the report says does not change.
   */
  void add(ReportEvent r) {
    share(r.report);
    reports = Arrays.copyOf(reports, reports.length + 1);
    reports[reports.length - 1] = r;
  }

  private void share(LabelerReport r) {
    if (r == null) {
      return;
    }
    if (item != null) {
      share(r, item.cohort, item.promptId, item.responseAId, item.responseBId);
    } else if (reports.length > 0 && reports[0].report != null) {
      LabelerReport f = reports[0].report;
      share(r, f.getCohort(), f.getPromptId(), f.getResponseAId(), f.getResponseBId());
    }
  }

  private static void share(LabelerReport r, String cohort, String promptId, String a, String b) {
    r.setCohort(same(cohort, r.getCohort()));
    r.setPromptId(same(promptId, r.getPromptId()));
    r.setResponseAId(same(a, r.getResponseAId()));
    r.setResponseBId(same(b, r.getResponseBId()));
  }

  /** held when it equals s, else s. */
  private static String same(String held, String s) {
    return held != null && held.equals(s) ? held : s;
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
    if (reports.length == 0 && outcomes.length == 0) {
      return ItemState.NONE;
    }
    return Math.min(earliest(reports), earliest(outcomes));
  }

  /** Removes and returns the buffered reports with time ts, in arrival order. */
  List<ReportEvent> takeReports(long ts) {
    List<ReportEvent> at = at(reports, ts);
    if (!at.isEmpty()) {
      reports = rest(reports, ts, NO_REPORTS);
    }
    return at;
  }

  /** Removes and returns the buffered outcomes with time ts, in arrival order. */
  List<OutcomeEvent> takeOutcomes(long ts) {
    List<OutcomeEvent> at = at(outcomes, ts);
    if (!at.isEmpty()) {
      outcomes = rest(outcomes, ts, NO_OUTCOMES);
    }
    return at;
  }

  private static long earliest(SourcedRecord<?>[] inputs) {
    long t = Long.MAX_VALUE;
    for (SourcedRecord<?> i : inputs) {
      t = Math.min(t, i.time());
    }
    return t;
  }

  private static <T extends SourcedRecord<?>> List<T> at(T[] inputs, long ts) {
    List<T> at = new ArrayList<>(inputs.length);
    for (T i : inputs) {
      if (i.time() == ts) {
        at.add(i);
      }
    }
    return at;
  }

  private static <T extends SourcedRecord<?>> T[] rest(T[] inputs, long ts, T[] none) {
    List<T> rest = new ArrayList<>(inputs.length);
    for (T i : inputs) {
      if (i.time() != ts) {
        rest.add(i);
      }
    }
    return rest.isEmpty() ? none : rest.toArray(none);
  }
}
