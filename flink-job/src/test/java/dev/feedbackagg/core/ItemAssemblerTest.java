package dev.feedbackagg.core;

import static dev.feedbackagg.core.OrderingDeterminismTest.outcome;
import static dev.feedbackagg.core.OrderingDeterminismTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.DeadLetterReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The assembly of one item (ARCHITECTURE.md, ItemWindow; MECHANISM.md, "Ordering and time"),
 * driven step by step at explicit event times as the ItemWindow's timers would.
 */
class ItemAssemblerTest {
  private static final long TIMEOUT = 50;
  private static final long GRACE = 200;
  private final ItemAssembler assembler = new ItemAssembler(new ItemPolicy(3, TIMEOUT, GRACE));
  private final Recorder out = new Recorder();
  private ItemState state;
  private long offset;

  /** Collects what the assembler emits and rejects. */
  static final class Recorder implements ItemOutput {
    final List<ItemEvent> emitted = new ArrayList<>();
    final List<Object> rejected = new ArrayList<>();
    final List<DeadLetterReason> reasons = new ArrayList<>();
    final List<String> messages = new ArrayList<>();

    @Override
    public void emit(ItemEvent event) {
      emitted.add(event);
    }

    @Override
    public void rejectReport(ReportEvent report, DeadLetterReason reason, String message) {
      rejected.add(report);
      reasons.add(reason);
      messages.add(message);
    }

    @Override
    public void rejectOutcome(OutcomeEvent outcome, DeadLetterReason reason, String message) {
      rejected.add(outcome);
      reasons.add(reason);
      messages.add(message);
    }
  }

  private ReportEvent rep(String labeler, double pref, long time) {
    return rep(labeler, "r-" + labeler + "-" + offset, pref, time, null);
  }

  private ReportEvent rep(String labeler, String reportId, double pref, long time, Integer expected) {
    return report("c", "item", labeler, reportId, pref, time, expected, offset++);
  }

  private OutcomeEvent out(double y, long time) {
    return outcome("c", "item", y, time, offset++);
  }

  private void at(long ts, List<OutcomeEvent> outcomes, List<ReportEvent> reports) {
    state = assembler.step(state, ts, outcomes, reports, out);
  }

  private void reports(long ts, ReportEvent... r) {
    at(ts, List.of(), List.of(r));
  }

  private void outcomes(long ts, OutcomeEvent... o) {
    at(ts, List.of(o), List.of());
  }

  private ItemEvent onlyClose() {
    List<ItemEvent> closes =
        out.emitted.stream().filter(e -> e.kind == ItemEvent.Kind.CLOSE).toList();
    assertThat(closes).as("closes emitted: %s", out.emitted).hasSize(1);
    return closes.get(0);
  }

  @Test
  void aReportAfterTheCloseIsLate() {
    reports(10, rep("a", 0.1, 10));
    reports(11, rep("b", 0.2, 11));
    reports(12, rep("c", 0.3, 12));
    ItemEvent close = onlyClose();
    assertThat(close.time).isEqualTo(12L);
    assertThat(close.closeReason).isEqualTo(CloseReason.COMPLETE);
    ReportEvent late = rep("d", 0.9, 13);
    reports(13, late);
    assertThat(out.rejected).containsExactly(late);
    assertThat(out.reasons).containsExactly(DeadLetterReason.LATE);
    assertThat(out.emitted).hasSize(1);
  }

  @Test
  void aReportAtOrAfterTheRevealIsRejected() {
    reports(10, rep("a", 0.1, 10));
    ReportEvent atReveal = rep("b", 0.2, 15);
    at(15, List.of(out(1.0, 15)), List.of(atReveal)); // same time: the outcome comes first
    ReportEvent afterReveal = rep("c", 0.3, 20);
    reports(20, afterReveal);
    assertThat(out.rejected).containsExactly(atReveal, afterReveal);
    assertThat(out.reasons)
        .containsExactly(DeadLetterReason.AFTER_REVEAL, DeadLetterReason.AFTER_REVEAL);
    assertThat(out.emitted).isEmpty(); // the outcome is held until the item closes
  }

  @Test
  void aLabelersFirstReportByEventTimeWinsAndTheOtherIsDuplicate() {
    ReportEvent later = rep("a", "r-1", 0.2, 20, null);
    ReportEvent earlier = rep("a", "r-2", 0.9, 5, null);
    // The later report was created first (smaller report id), but event time decides.
    reports(5, earlier);
    reports(20, later);
    reports(21, rep("b", 0.5, 21));
    reports(22, rep("c", 0.5, 22));
    ItemEvent close = onlyClose();
    assertThat(close.labelerIds).containsExactly("a", "b", "c");
    assertThat(close.reports[0]).as("a's report is the one at t=5").isEqualTo(0.9);
    assertThat(out.rejected).containsExactly(later);
    assertThat(out.reasons).containsExactly(DeadLetterReason.DUPLICATE);
  }

  @Test
  void atOneTimeALabelersReportWithTheSmallerReportIdWins() {
    ReportEvent second = rep("a", "r-b", 0.2, 5, null);
    ReportEvent first = rep("a", "r-a", 0.7, 5, null);
    at(5, List.of(), List.of(second, first));
    reports(6, rep("b", 0.5, 6));
    reports(7, rep("c", 0.5, 7));
    ItemEvent close = onlyClose();
    assertThat(close.reports[0]).as("report r-a wins over r-b").isEqualTo(0.7);
    assertThat(out.rejected).containsExactly(second);
    assertThat(out.reasons).containsExactly(DeadLetterReason.DUPLICATE);
  }

  @Test
  void atOneTimeReportsAreTakenInLabelerOrderUntilTheItemIsComplete() {
    ReportEvent c = rep("c", 0.3, 5);
    ReportEvent d = rep("d", 0.4, 5);
    ReportEvent a = rep("a", 0.1, 5);
    ReportEvent b = rep("b", 0.2, 5);
    at(5, List.of(), List.of(d, c, b, a));
    assertThat(onlyClose().labelerIds).containsExactly("a", "b", "c");
    assertThat(out.rejected).containsExactly(d);
    assertThat(out.reasons).containsExactly(DeadLetterReason.LATE);
  }

  @Test
  void aSecondEqualOutcomeIsDuplicateAndADifferentOneConflicts() {
    reports(10, rep("a", 0.1, 10), rep("b", 0.2, 10), rep("c", 0.3, 10));
    OutcomeEvent first = out(1.0, 20);
    outcomes(20, first);
    OutcomeEvent same = out(1.0, 25);
    outcomes(25, same);
    OutcomeEvent other = out(0.0, 26);
    outcomes(26, other);
    assertThat(out.emitted).extracting(e -> e.kind)
        .containsExactly(ItemEvent.Kind.CLOSE, ItemEvent.Kind.OUTCOME);
    ItemEvent revealed = out.emitted.get(1);
    assertThat(revealed.cohort).as("the item's, after the marker dropped them").isEqualTo(out.emitted.get(0).cohort);
    assertThat(revealed.promptId).isEqualTo(out.emitted.get(0).promptId).isNotNull();
    assertThat(revealed.time).isEqualTo(20L);
    assertThat(revealed.outcome).isEqualTo(1.0);
    assertThat(revealed.outcomeOffset).isEqualTo(first.offset);
    assertThat(revealed.outcomeTopic).isEqualTo(first.topic);
    assertThat(out.rejected).containsExactly(same, other);
    assertThat(out.reasons)
        .containsExactly(DeadLetterReason.DUPLICATE, DeadLetterReason.CONFLICTING_OUTCOME);
  }

  @Test
  void twoDifferentOutcomesAtOneTimeKeepTheSmallerValue() {
    reports(10, rep("a", 0.1, 10), rep("b", 0.2, 10), rep("c", 0.3, 10));
    OutcomeEvent high = out(0.8, 20);
    OutcomeEvent low = out(0.3, 20);
    outcomes(20, high, low);
    assertThat(out.emitted.get(1).outcome).isEqualTo(0.3);
    assertThat(out.rejected).containsExactly(high);
    assertThat(out.reasons).containsExactly(DeadLetterReason.CONFLICTING_OUTCOME);
  }

  @Test
  void anOutcomeBeforeAnyReportIsNoItemAndBlocksLaterReportsUntilCleanUp() {
    OutcomeEvent early = out(1.0, 5);
    outcomes(5, early);
    assertThat(out.rejected).containsExactly(early);
    assertThat(out.reasons).containsExactly(DeadLetterReason.NO_ITEM);
    assertThat(state).as("kept so that later reports are rejected").isNotNull();
    assertThat(ItemAssembler.nextTimer(state)).isEqualTo(5 + GRACE);
    ReportEvent after = rep("a", 0.5, 6);
    reports(6, after);
    assertThat(out.reasons).containsExactly(DeadLetterReason.NO_ITEM, DeadLetterReason.AFTER_REVEAL);
    at(5 + GRACE, List.of(), List.of());
    assertThat(state).as("cleared after the grace period").isNull();
    assertThat(out.emitted).isEmpty();
  }

  @Test
  void anItemTimesOutAtItsFirstReportPlusTheTimeout() {
    reports(100, rep("b", 0.25, 100));
    assertThat(ItemAssembler.nextTimer(state)).isEqualTo(100 + TIMEOUT);
    reports(120, rep("a", 0.75, 120));
    assertThat(ItemAssembler.nextTimer(state)).as("the deadline does not move").isEqualTo(100 + TIMEOUT);
    at(100 + TIMEOUT, List.of(), List.of());
    ItemEvent close = onlyClose();
    assertThat(close.time).isEqualTo(100 + TIMEOUT);
    assertThat(close.closeReason).isEqualTo(CloseReason.TIMEOUT);
    assertThat(close.labelerIds).containsExactly("a", "b");
    assertThat(close.reports).containsExactly(0.75, 0.25);
    assertThat(close.hasOutcome).isFalse();
    assertThat(close.responseAId).isEqualTo("ra-item");
    assertThat(close.responseBId).isEqualTo("rb-item");
    // What stays until the grace period ends: the closed marker, its times only (its ids are
    // those of its key).
    assertThat(state.closed).isTrue();
    assertThat(state.closeTime).isEqualTo(100 + TIMEOUT);
    assertThat(state.labelerIds).isEmpty();
    assertThat(state.reports).isEmpty();
    assertThat(state.responseAId).isNull();
    assertThat(state.responseBId).isNull();
    assertThat(state.cohort).isNull();
    assertThat(state.promptId).isNull();
  }

  @Test
  void aTimerFiringLateStillClosesAtTheDeadline() {
    reports(100, rep("a", 0.25, 100));
    // The step comes later than the deadline (e.g. with a report): the close keeps its time,
    // and the report at that step is late.
    ReportEvent late = rep("b", 0.5, 170);
    reports(170, late);
    ItemEvent close = onlyClose();
    assertThat(close.time).isEqualTo(100 + TIMEOUT);
    assertThat(close.closeReason).isEqualTo(CloseReason.TIMEOUT);
    assertThat(out.rejected).containsExactly(late);
    assertThat(out.reasons).containsExactly(DeadLetterReason.LATE);
  }

  @Test
  void anOutcomeBeforeTheCloseIsHeldAndSentWithTheClose() {
    reports(10, rep("a", 1.0, 10));
    outcomes(12, out(0.7, 12));
    assertThat(out.emitted).as("held, nothing emitted yet").isEmpty();
    assertThat(out.rejected).isEmpty();
    at(10 + TIMEOUT, List.of(), List.of());
    ItemEvent close = onlyClose();
    assertThat(out.emitted).hasSize(1);
    assertThat(close.closeReason).isEqualTo(CloseReason.TIMEOUT);
    assertThat(close.time).isEqualTo(10 + TIMEOUT);
    assertThat(close.hasOutcome).isTrue();
    assertThat(close.outcome).isEqualTo(0.7);
    assertThat(close.labelerIds).containsExactly("a");
  }

  @Test
  void anOutcomeAtTheDeadlineIsHeldAndSentWithTheTimeoutClose() {
    reports(10, rep("a", 1.0, 10));
    outcomes(10 + TIMEOUT, out(0.0, 10 + TIMEOUT));
    ItemEvent close = onlyClose();
    assertThat(close.hasOutcome).isTrue();
    assertThat(close.outcome).isEqualTo(0.0);
    assertThat(out.emitted).hasSize(1);
  }

  @Test
  void aClosedItemIsClearedAfterTheGracePeriod() {
    reports(10, rep("a", 0.1, 10), rep("b", 0.2, 10), rep("c", 0.3, 10));
    assertThat(state.closed).isTrue();
    assertThat(state.labelerIds).as("reports dropped at close").isEmpty();
    assertThat(ItemAssembler.nextTimer(state)).isEqualTo(10 + GRACE);
    ReportEvent late = rep("d", 0.4, 10 + GRACE - 1);
    reports(10 + GRACE - 1, late);
    assertThat(state).isNotNull();
    assertThat(out.reasons).containsExactly(DeadLetterReason.LATE);
    outcomes(10 + GRACE - 1, out(1.0, 10 + GRACE - 1));
    assertThat(out.emitted).extracting(e -> e.kind)
        .containsExactly(ItemEvent.Kind.CLOSE, ItemEvent.Kind.OUTCOME);
    at(10 + GRACE, List.of(), List.of());
    assertThat(state).as("state after the grace period").isNull();
    assertThat(ItemAssembler.nextTimer(state)).isEqualTo(ItemState.NONE);
  }

  @Test
  void expectedLabelsFromTheReportOverrideTheDefault() {
    reports(10, rep("a", "r1", 0.1, 10, 2));
    assertThat(out.emitted).isEmpty();
    reports(11, rep("b", 0.2, 11));
    ItemEvent close = onlyClose();
    assertThat(close.time).isEqualTo(11L);
    assertThat(close.closeReason).isEqualTo(CloseReason.COMPLETE);
    assertThat(close.labelerIds).containsExactly("a", "b");
  }

  @Test
  void expectedLabelsAboveTheDefaultKeepTheItemOpen() {
    reports(10, rep("a", "r1", 0.1, 10, 5));
    reports(11, rep("b", 0.2, 11), rep("c", 0.3, 11), rep("d", 0.4, 11));
    assertThat(out.emitted).as("4 of 5 labels: still open").isEmpty();
    reports(12, rep("e", 0.5, 12));
    assertThat(onlyClose().labelerIds).containsExactly("a", "b", "c", "d", "e");
    assertThat(onlyClose().time).isEqualTo(12L);
  }

  @Test
  void withoutExpectedLabelsTheDefaultCloses() {
    reports(10, rep("a", 0.1, 10), rep("b", 0.2, 10));
    assertThat(out.emitted).isEmpty();
    reports(11, rep("c", 0.3, 11));
    assertThat(onlyClose().labelerIds).containsExactly("a", "b", "c");
  }

  /** Both algorithms of sortByLabeler (a few ids, many ids) against a TreeMap of id to report. */
  @Test
  void sortsLabelersWithTheirReports() {
    long seed = Long.getLong("test.seed", System.nanoTime());
    java.util.Random rnd = new java.util.Random(seed);
    for (int round = 0; round < 400; round++) {
      int n = rnd.nextInt(80);
      java.util.Map<String, Double> byId = new java.util.TreeMap<>();
      while (byId.size() < n) {
        byId.put("w" + rnd.nextInt(1000), rnd.nextDouble());
      }
      List<String> shuffled = new ArrayList<>(byId.keySet());
      java.util.Collections.shuffle(shuffled, rnd);
      String[] ids = shuffled.toArray(new String[0]);
      double[] reports = new double[n];
      for (int i = 0; i < n; i++) {
        reports[i] = byId.get(ids[i]);
      }
      ItemAssembler.sortByLabeler(ids, reports);
      assertThat(ids).as("seed %d, n %d", seed, n).containsExactlyElementsOf(byId.keySet());
      for (int i = 0; i < n; i++) {
        assertThat(reports[i]).as("seed %d, n %d, %s", seed, n, ids[i]).isEqualTo(byId.get(ids[i]));
      }
    }
  }
}
