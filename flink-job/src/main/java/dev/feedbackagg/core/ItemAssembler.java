package dev.feedbackagg.core;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Assembles one item from its reports and outcome, in event-time order (ARCHITECTURE.md,
 * ItemWindow; MECHANISM.md, "Ordering and time"). The Flink ItemWindow calls {@link #step} from its
 * timers; the reference calls it from a replayed timeline. At one event time ts it applies, in
 * this order: outcomes, the item timeout, reports, the clean-up.
 *
 * <p>Rejections: a report after the close is LATE; a report at or after the reveal time is
 * AFTER_REVEAL; a labeler's second report is DUPLICATE (the first wins); a second outcome is
 * DUPLICATE when equal and CONFLICTING_OUTCOME when not; an outcome that comes before any report
 * is NO_ITEM (every later report would be AFTER_REVEAL), though it is kept until the clean-up so
 * that those reports are rejected.
 */
public final class ItemAssembler {
  private final ItemPolicy policy;

  public ItemAssembler(ItemPolicy policy) {
    this.policy = policy;
  }

  public ItemPolicy policy() {
    return policy;
  }

  /**
   * Applies what happens to one item at event time ts.
   *
   * @param state the item's state, or null for an item not seen (or already cleared)
   * @param outcomes the item's outcomes with time ts, any order
   * @param reports the item's reports with time ts, any order
   * @return the new state, or null when the item's state is cleared
   */
  public ItemState step(
      ItemState state, long ts, List<OutcomeEvent> outcomes, List<ReportEvent> reports, ItemOutput out) {
    if (!outcomes.isEmpty()) {
      for (OutcomeEvent o : sorted(outcomes, OutcomeEvent.ORDER)) {
        state = applyOutcome(state, ts, o, out);
      }
    }
    if (state != null && !state.closed && state.deadline != ItemState.NONE && state.deadline <= ts) {
      close(state, state.deadline, CloseReason.TIMEOUT, out);
    }
    if (!reports.isEmpty()) {
      for (ReportEvent r : sorted(reports, ReportEvent.ORDER)) {
        state = applyReport(state, ts, r, out);
      }
    }
    if (state != null && state.cleanupTime != ItemState.NONE && state.cleanupTime <= ts) {
      return null;
    }
    return state;
  }

  /** The next time this item needs a timer, or ItemState.NONE. */
  public static long nextTimer(ItemState state) {
    if (state == null) {
      return ItemState.NONE;
    }
    if (!state.closed && state.deadline != ItemState.NONE) {
      return state.deadline;
    }
    return state.cleanupTime;
  }

  private ItemState applyOutcome(ItemState state, long ts, OutcomeEvent o, ItemOutput out) {
    double y = o.outcome.getOutcome();
    if (state != null && state.hasOutcome) {
      if (Double.compare(state.outcome, y) == 0) {
        out.rejectOutcome(o, DeadLetterReason.DUPLICATE, "the item's outcome was already revealed at "
            + state.outcomeTime);
      } else {
        out.rejectOutcome(o, DeadLetterReason.CONFLICTING_OUTCOME, "outcome " + y
            + " conflicts with " + state.outcome + " revealed at " + state.outcomeTime);
      }
      return state;
    }
    if (state == null) {
      state = newState(o.outcome.getCohort(), o.outcome.getPromptId());
    }
    state.hasOutcome = true;
    state.outcome = y;
    state.outcomeTime = ts;
    if (state.closed) {
      // The outcome's ids: those of the item (the key), which a closed marker no longer holds.
      out.emit(
          ItemEvent.outcome(o.outcome.getCohort(), o.outcome.getPromptId(), ts, y)
              .withOutcomeOrigin(o.topic, o.partition, o.offset));
    } else if (state.firstReportTime == ItemState.NONE) {
      out.rejectOutcome(o, DeadLetterReason.NO_ITEM,
          "outcome revealed before any report on the item; later reports will be rejected");
      state.cleanupTime = saturatingAdd(ts, policy.graceMs());
    }
    // Else: held, and sent with the close.
    return state;
  }

  private ItemState applyReport(ItemState state, long ts, ReportEvent r, ItemOutput out) {
    LabelerReport report = r.report;
    if (state != null && state.closed) {
      out.rejectReport(r, DeadLetterReason.LATE, "item closed at " + state.closeTime);
      return state;
    }
    if (state != null && state.hasOutcome) {
      out.rejectReport(r, DeadLetterReason.AFTER_REVEAL, "report at " + ts
          + " is at or after the item's outcome reveal at " + state.outcomeTime);
      return state;
    }
    if (state == null) {
      state = newState(report.getCohort(), report.getPromptId());
    }
    String labeler = report.getLabelerId();
    for (String id : state.labelerIds) {
      if (id.equals(labeler)) {
        out.rejectReport(r, DeadLetterReason.DUPLICATE, "labeler " + labeler
            + " already reported on this item");
        return state;
      }
    }
    if (state.firstReportTime == ItemState.NONE) {
      state.firstReportTime = ts;
      state.deadline = saturatingAdd(ts, policy.itemTimeoutMs());
      Integer expected = report.getExpectedLabels();
      state.expectedLabels = expected == null ? policy.defaultExpectedLabels() : expected;
      state.responseAId = report.getResponseAId();
      state.responseBId = report.getResponseBId();
    }
    // New arrays, not changed in place: a checkpoint's copy of the state may share the old ones.
    int n = state.labelerIds.length;
    String[] ids = new String[n + 1]; // not Arrays.copyOf: no reflective array creation
    System.arraycopy(state.labelerIds, 0, ids, 0, n);
    ids[n] = labeler;
    state.labelerIds = ids;
    state.reports = Arrays.copyOf(state.reports, n + 1);
    state.reports[n] = report.getPreference();
    if (n + 1 >= state.expectedLabels) {
      close(state, ts, CloseReason.COMPLETE, out);
    }
    return state;
  }

  private void close(ItemState state, long time, CloseReason reason, ItemOutput out) {
    String[] sortedIds = state.labelerIds.clone();
    double[] sortedReports = state.reports.clone();
    sortByLabeler(sortedIds, sortedReports);
    ItemEvent close =
        ItemEvent.close(state.cohort, state.promptId, state.responseAId, state.responseBId, time,
            reason, sortedIds, sortedReports);
    if (state.hasOutcome) {
      close.withHeldOutcome(state.outcome);
    }
    out.emit(close);
    state.closed = true;
    state.closeTime = time;
    // The reports now live in the mechanism's pending item; keep only the closed marker, which
    // is held until the grace period ends (the outcome timeout: days) and needs no more than the
    // times: its ids are those of its key.
    state.cohort = null;
    state.promptId = null;
    state.labelerIds = ItemState.NO_LABELERS;
    state.reports = ItemState.NO_REPORTS;
    state.responseAId = null;
    state.responseBId = null;
    state.cleanupTime = saturatingAdd(time, policy.graceMs());
  }

  /**
   * Sorts the labeler ids, and their reports with them, by id. An item's ids are distinct, so the
   * order is the same whatever the algorithm: insertion sort for the few labels of an item, a
   * sort of indices when there are many.
   */
  static void sortByLabeler(String[] ids, double[] reports) {
    int n = ids.length;
    if (n <= 32) {
      for (int i = 1; i < n; i++) {
        String id = ids[i];
        double r = reports[i];
        int j = i - 1;
        while (j >= 0 && ids[j].compareTo(id) > 0) {
          ids[j + 1] = ids[j];
          reports[j + 1] = reports[j];
          j--;
        }
        ids[j + 1] = id;
        reports[j + 1] = r;
      }
      return;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    String[] byIndex = ids.clone();
    double[] reportByIndex = reports.clone();
    Arrays.sort(order, (a, b) -> byIndex[a].compareTo(byIndex[b]));
    for (int i = 0; i < n; i++) {
      ids[i] = byIndex[order[i]];
      reports[i] = reportByIndex[order[i]];
    }
  }

  private static ItemState newState(String cohort, String promptId) {
    ItemState s = new ItemState();
    s.cohort = cohort;
    s.promptId = promptId;
    return s;
  }

  private static <T> List<T> sorted(List<T> in, java.util.Comparator<? super T> order) {
    if (in.size() < 2) {
      return in;
    }
    List<T> copy = new ArrayList<>(in);
    copy.sort(order);
    return copy;
  }

  static long saturatingAdd(long a, long b) {
    return PendingItem.saturatingAdd(a, b);
  }
}
