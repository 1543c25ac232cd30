package dev.feedbackagg.job.operators;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.core.ItemState;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.core.SourcedRecord;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

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
    reports = append(reports, r, ReportEvent[]::new);
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
    outcomes = append(outcomes, o, OutcomeEvent[]::new);
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
    Split<ReportEvent> s = split(reports, ts, NO_REPORTS, ReportEvent[]::new);
    if (s == null) {
      return List.of();
    }
    reports = s.rest;
    return Arrays.asList(s.due);
  }

  /** Removes and returns the buffered outcomes with time ts, in arrival order. */
  List<OutcomeEvent> takeOutcomes(long ts) {
    Split<OutcomeEvent> s = split(outcomes, ts, NO_OUTCOMES, OutcomeEvent[]::new);
    if (s == null) {
      return List.of();
    }
    outcomes = s.rest;
    return Arrays.asList(s.due);
  }

  /** A new array: inputs and then x (the old array may be shared with a checkpoint's copy). */
  private static <T> T[] append(T[] inputs, T x, IntFunction<T[]> newArray) {
    int n = inputs.length;
    T[] grown = newArray.apply(n + 1); // not Arrays.copyOf: no reflective array creation
    System.arraycopy(inputs, 0, grown, 0, n);
    grown[n] = x;
    return grown;
  }

  private static long earliest(SourcedRecord<?>[] inputs) {
    long t = Long.MAX_VALUE;
    for (SourcedRecord<?> i : inputs) {
      t = Math.min(t, i.time());
    }
    return t;
  }

  private static int count(SourcedRecord<?>[] inputs, long ts) {
    int n = 0;
    for (SourcedRecord<?> i : inputs) {
      if (i.time() == ts) {
        n++;
      }
    }
    return n;
  }

  /** The inputs with time ts, and the others, each in arrival order. */
  private record Split<T>(T[] due, T[] rest) {}

  /**
   * The inputs split by whether their time is ts, or null when none is; when all are (the usual
   * case: one report, due now), the array itself is the due part and none the rest.
   */
  private static <T extends SourcedRecord<?>> Split<T> split(
      T[] inputs, long ts, T[] none, IntFunction<T[]> newArray) {
    int at = count(inputs, ts);
    if (at == 0) {
      return null;
    }
    if (at == inputs.length) {
      return new Split<>(inputs, none);
    }
    T[] due = newArray.apply(at); // not Arrays.copyOf: no reflective array creation
    T[] rest = newArray.apply(inputs.length - at);
    int d = 0;
    int r = 0;
    for (T i : inputs) {
      if (i.time() == ts) {
        due[d++] = i;
      } else {
        rest[r++] = i;
      }
    }
    return new Split<>(due, rest);
  }
}
