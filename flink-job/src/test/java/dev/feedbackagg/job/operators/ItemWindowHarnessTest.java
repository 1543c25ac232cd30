package dev.feedbackagg.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.ItemPolicy;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ItemWindow operator in Flink's keyed two-input harness: when items close, what goes to the
 * dead letters, that all of an item's state is gone (from the heap and from what a checkpoint
 * writes) once its grace period passed, and that a snapshot and restore mid-item changes nothing. ARCHITECTURE.md, ItemWindow.
 */
class ItemWindowHarnessTest {
  private static final String COHORT = "c1";
  private static final String PROMPT = "p1";
  private static final String REPORTS_TOPIC = "feedback.reports";
  private static final String OUTCOMES_TOPIC = "feedback.outcomes";

  /** Three labels close an item; 1 s after its first report it times out; 5 s of grace. */
  private static final long TIMEOUT = 1_000L;

  private static final long GRACE = 5_000L;
  private static final ItemPolicy POLICY = new ItemPolicy(3, TIMEOUT, GRACE);

  private static final KeySelector<ReportEvent, String> REPORT_ITEM = EventKey.reportItem();
  private static final KeySelector<OutcomeEvent, String> OUTCOME_ITEM = EventKey.outcomeItem();

  private KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> harness;
  private long nextOffset;
  private long checkpointId = 100;

  @BeforeEach
  void openHarness() throws Exception {
    harness = newHarness();
    harness.open();
  }

  @AfterEach
  void closeHarness() throws Exception {
    harness.close();
  }

  @Test
  void itemClosesOnceTheExpectedLabelsArrivedAndTheWatermarkPassedTheLast() throws Exception {
    send(report("c", 0.0, 110));
    send(report("a", 1.0, 120));
    send(report("b", 0.75, 130));

    watermark(129);
    assertThat(items()).as("the last report at 130 is not yet behind the watermark").isEmpty();

    watermark(130);
    assertThat(harness.extractOutputStreamRecords())
        .extracting(StreamRecord::getValue, StreamRecord::getTimestamp)
        .containsExactly(
            tuple(
                close(130, CloseReason.COMPLETE, new String[] {"a", "b", "c"}, new double[] {1.0, 0.75, 0.0}),
                130L));
    assertThat(deadLetters()).isEmpty();
  }

  @Test
  void expectedLabelsOfTheFirstReportOverrideTheDefault() throws Exception {
    send(report("b", 0.25, 100, 2));
    send(report("a", 1.0, 150, 2));
    watermark(150);

    assertThat(items())
        .containsExactly(
            close(150, CloseReason.COMPLETE, new String[] {"a", "b"}, new double[] {1.0, 0.25}));
  }

  @Test
  void itemTimesOutAtFirstReportPlusItemTimeout() throws Exception {
    send(report("b", 0.25, 100));
    send(report("a", 1.0, 300));

    watermark(100 + TIMEOUT - 1);
    assertThat(items()).isEmpty();

    watermark(100 + TIMEOUT);
    assertThat(harness.extractOutputStreamRecords())
        .extracting(StreamRecord::getValue, StreamRecord::getTimestamp)
        .containsExactly(
            tuple(
                close(1_100, CloseReason.TIMEOUT, new String[] {"a", "b"}, new double[] {1.0, 0.25}),
                1_100L));
  }

  @Test
  void reportsOutOfOrderWithinTheWatermarkGiveTheSameItemAsInOrder() throws Exception {
    ReportEvent a = report("a", 1.0, 100);
    ReportEvent b = report("b", 0.75, 200);
    ReportEvent c = report("c", 0.0, 300);

    send(a);
    send(b);
    send(c);
    watermark(300);
    List<ItemEvent> inOrder = items();

    try (KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> shuffled =
        newHarness()) {
      shuffled.open();
      shuffled.processElement1(c, c.time());
      shuffled.processBothWatermarks(new Watermark(50));
      shuffled.processElement1(b, b.time());
      shuffled.processElement1(a, a.time());
      shuffled.processBothWatermarks(new Watermark(300));

      assertThat(shuffled.extractOutputValues()).isEqualTo(inOrder);
      assertThat(shuffled.getSideOutput(ItemWindow.DEAD_LETTERS)).isNull();
    }
    assertThat(inOrder)
        .containsExactly(
            close(300, CloseReason.COMPLETE, new String[] {"a", "b", "c"}, new double[] {1.0, 0.75, 0.0}));
  }

  @Test
  void outcomeRevealedBeforeTheCloseIsHeldAndAttachedToTheClose() throws Exception {
    send(report("a", 1.0, 100));
    send(report("b", 0.25, 200));
    send(outcome(1.0, 500));

    watermark(500);
    assertThat(items()).as("held until the item closes").isEmpty();

    watermark(100 + TIMEOUT);
    assertThat(items())
        .containsExactly(
            close(1_100, CloseReason.TIMEOUT, new String[] {"a", "b"}, new double[] {1.0, 0.25})
                .withHeldOutcome(1.0));
    assertThat(deadLetters()).isEmpty();
  }

  @Test
  void outcomeAfterTheCloseIsForwardedAsAnOutcomeEvent() throws Exception {
    completeItemAt300();
    OutcomeEvent y = outcome(0.0, 700);
    send(y);
    watermark(700);

    assertThat(harness.extractOutputStreamRecords())
        .extracting(StreamRecord::getValue, StreamRecord::getTimestamp)
        .containsExactly(
            tuple(completeCloseAt300(), 300L),
            tuple(
                ItemEvent.outcome(COHORT, PROMPT, 700, 0.0)
                    .withOutcomeOrigin(OUTCOMES_TOPIC, 1, y.offset),
                700L));
    assertThat(deadLetters()).isEmpty();
  }

  @Test
  void reportAfterTheCloseIsLate() throws Exception {
    completeItemAt300();
    ReportEvent late = report("d", 0.5, 400);
    send(late);
    watermark(400);

    assertThat(items()).containsExactly(completeCloseAt300());
    assertThat(deadLetters())
        .extracting(DeadLetter::getReason, DeadLetter::getSourceOffset, DeadLetter::getTime)
        .containsExactly(tuple(DeadLetterReason.LATE, late.offset, 400L));
    assertThat(deadLetters().get(0).getMessage()).isEqualTo("item closed at 300");
    assertThat(deadLetters().get(0).getSourceTopic()).isEqualTo(REPORTS_TOPIC);
  }

  @Test
  void inputsBehindTheWatermarkAreLateAndLeaveNoState() throws Exception {
    watermark(1_000);
    ReportEvent report = report("a", 1.0, 1_000);
    OutcomeEvent outcome = outcome(1.0, 999);
    send(report);
    send(outcome);

    assertThat(deadLetters())
        .extracting(DeadLetter::getReason, DeadLetter::getSourceTopic, DeadLetter::getSourceOffset)
        .containsExactly(
            tuple(DeadLetterReason.LATE, REPORTS_TOPIC, report.offset),
            tuple(DeadLetterReason.LATE, OUTCOMES_TOPIC, outcome.offset));
    assertThat(deadLetters().get(0).getMessage())
        .isEqualTo("event time 1000 is behind the watermark 1000 (beyond the lateness bound)");
    assertThat(held(harness)).isZero();
    assertThat(checkpointed(harness)).isZero();
  }

  @Test
  void afterManyChangesWithoutACheckpointTheNextOneRewritesTheWholeState() throws Exception {
    completeItemAt300();
    assertThat(checkpointed(harness)).as("p1's closed marker").isEqualTo(1);
    // More items change than the operator tracks one by one between two checkpoints (as with no
    // checkpoints configured): 6,000 items close and are cleaned up, p1's marker too; two stay open.
    int n = 6_000;
    for (int i = 0; i < n; i++) {
      long t = 1_000 + 10L * i; // at most GRACE / 10 closed markers held at a time
      for (String labeler : new String[] {"a", "b", "c"}) {
        send(reportOn("q" + i, labeler, 0.5, t));
      }
      watermark(t);
    }
    long wm = 1_000 + 10L * n + GRACE;
    watermark(wm);
    send(reportOn("open1", "a", 1.0, wm + 10));
    send(reportOn("open2", "b", 0.0, wm + 20));
    watermark(wm + 20);
    assertThat(items()).hasSize(1 + n);
    assertThat(held(harness)).isEqualTo(2);
    assertThat(((ItemWindow) harness.getOperator()).rewritesAll()).isTrue();

    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
    assertThat(harness.numKeyedStateEntries()).as("open1 and open2 only").isEqualTo(2);
    try (KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> after = newHarness()) {
      after.initializeState(snapshot);
      after.open();
      assertThat(held(after)).isEqualTo(2);
      after.processBothWatermarks(new Watermark(wm + 10 + TIMEOUT));
      assertThat(after.extractOutputValues())
          .extracting(e -> e.promptId, e -> List.of(e.labelerIds), e -> e.closeReason)
          .containsExactly(tuple("open1", List.of("a"), CloseReason.TIMEOUT));
    }
  }

  @Test
  void aMarkerRestoredFromACheckpointStillForwardsTheOutcomeAndIsCleanedUpOnTime() throws Exception {
    completeItemAt300();
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
    try (KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> after = newHarness()) {
      after.initializeState(snapshot);
      after.open();
      assertThat(held(after)).as("a marker stays in keyed state").isZero();
      assertThat(after.numEventTimeTimers()).as("its clean-up timer came back").isEqualTo(1);
      OutcomeEvent y = outcome(1.0, 700);
      after.processElement2(y, y.time());
      ReportEvent late = report("d", 0.5, 800);
      after.processElement1(late, late.time());
      after.processBothWatermarks(new Watermark(300 + GRACE - 1));
      assertThat(after.extractOutputValues())
          .containsExactly(ItemEvent.outcome(COHORT, PROMPT, 700, 1.0).withOutcomeOrigin(OUTCOMES_TOPIC, 1, y.offset));
      assertThat(deadLetters(after)).extracting(DeadLetter::getReason).containsExactly(DeadLetterReason.LATE);
      assertThat(held(after)).isZero();
      assertThat(checkpointed(after)).isEqualTo(1);

      after.processBothWatermarks(new Watermark(300 + GRACE));
      assertThat(checkpointed(after)).isZero();
      assertThat(after.numEventTimeTimers()).isZero();
      // After the clean-up, a report on the same prompt starts a new item.
      ReportEvent again = report("e", 0.0, 300 + GRACE + 10, 1);
      after.processElement1(again, again.time());
      after.processBothWatermarks(new Watermark(300 + GRACE + 10));
      assertThat(after.extractOutputValues()).hasSize(2);
    }
  }

  @Test
  void aMarkerBroughtBackByALateReportIsCleanedUpOnTheHeapWithItsState() throws Exception {
    completeItemAt300();
    send(report("d", 0.5, 400));
    watermark(300 + GRACE + 1); // the late report, then the clean-up, in one advance
    assertThat(deadLetters()).extracting(DeadLetter::getReason).containsExactly(DeadLetterReason.LATE);
    assertThat(held(harness)).isZero();
    assertThat(checkpointed(harness)).as("no marker left behind").isZero();
    assertThat(harness.numEventTimeTimers()).isZero();

    send(report("e", 0.0, 300 + GRACE + 10, 1));
    watermark(300 + GRACE + 10);
    assertThat(items()).hasSize(2).last()
        .satisfies(e -> assertThat(e.labelerIds).containsExactly("e"));
  }

  @Test
  void theCleanUpTimerOfAMarkerThatALaterMarkerReplacedLeavesTheLaterOneAlone() throws Exception {
    completeItemAt300(); // marker, clean-up timer at 300 + GRACE
    send(report("d", 0.5, 400)); // brings it back to the heap
    send(report("e", 0.0, 300 + GRACE + 10));
    send(report("f", 0.25, 300 + GRACE + 20));
    send(report("g", 0.5, 300 + GRACE + 30));
    // One advance: the old item is cleaned up on the heap, a new one closes and becomes a marker
    // (clean-up at 300 + GRACE + 30 + GRACE), then the old timer fires and finds the new marker.
    watermark(300 + GRACE + 30);
    assertThat(items()).hasSize(2);
    assertThat(checkpointed(harness)).as("the new marker").isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).as("the new marker's clean-up").isEqualTo(1);

    send(report("h", 1.0, 300 + GRACE + 40));
    watermark(300 + GRACE + 40);
    assertThat(deadLetters()).extracting(DeadLetter::getReason)
        .containsExactly(DeadLetterReason.LATE, DeadLetterReason.LATE);

    watermark(300 + GRACE + 30 + GRACE);
    assertThat(checkpointed(harness)).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void secondReportOfALabelerIsDuplicateAndTheFirstWins() throws Exception {
    send(report("a", 1.0, 100));
    ReportEvent againLater = report("a", 0.0, 150);
    send(againLater);
    // Two reports of b at one time: the smaller report id wins, whatever the arrival order.
    ReportEvent secondId = reportWithId("b", "r-b-2", 0.0, 200);
    ReportEvent firstId = reportWithId("b", "r-b-1", 0.75, 200);
    send(secondId);
    send(firstId);
    send(report("c", 0.25, 300));
    watermark(300);

    assertThat(items())
        .containsExactly(
            close(300, CloseReason.COMPLETE, new String[] {"a", "b", "c"}, new double[] {1.0, 0.75, 0.25}));
    assertThat(deadLetters())
        .extracting(DeadLetter::getReason, DeadLetter::getSourceOffset, DeadLetter::getTime)
        .containsExactly(
            tuple(DeadLetterReason.DUPLICATE, againLater.offset, 150L),
            tuple(DeadLetterReason.DUPLICATE, secondId.offset, 200L));
  }

  @Test
  void secondOutcomeIsDuplicateWhenEqualAndConflictingWhenNot() throws Exception {
    completeItemAt300();
    OutcomeEvent first = outcome(1.0, 400);
    OutcomeEvent same = outcome(1.0, 500);
    OutcomeEvent other = outcome(0.0, 600);
    send(first);
    send(same);
    send(other);
    watermark(600);

    assertThat(items())
        .containsExactly(
            completeCloseAt300(),
            ItemEvent.outcome(COHORT, PROMPT, 400, 1.0).withOutcomeOrigin(OUTCOMES_TOPIC, 1, first.offset));
    assertThat(deadLetters())
        .extracting(DeadLetter::getReason, DeadLetter::getSourceOffset, DeadLetter::getTime)
        .containsExactly(
            tuple(DeadLetterReason.DUPLICATE, same.offset, 500L),
            tuple(DeadLetterReason.CONFLICTING_OUTCOME, other.offset, 600L));
  }

  @Test
  void reportAtOrAfterTheRevealIsRejected() throws Exception {
    send(report("a", 1.0, 100));
    send(outcome(1.0, 200));
    ReportEvent atReveal = report("b", 1.0, 200);
    ReportEvent afterReveal = report("c", 1.0, 250);
    send(atReveal);
    send(afterReveal);
    watermark(100 + TIMEOUT);

    assertThat(deadLetters())
        .extracting(DeadLetter::getReason, DeadLetter::getSourceOffset, DeadLetter::getTime)
        .containsExactly(
            tuple(DeadLetterReason.AFTER_REVEAL, atReveal.offset, 200L),
            tuple(DeadLetterReason.AFTER_REVEAL, afterReveal.offset, 250L));
    assertThat(items())
        .containsExactly(
            close(1_100, CloseReason.TIMEOUT, new String[] {"a"}, new double[] {1.0}).withHeldOutcome(1.0));
  }

  @Test
  void outcomeBeforeAnyReportIsNoItemAndLaterReportsAreRejected() throws Exception {
    OutcomeEvent y = outcome(1.0, 100);
    send(y);
    ReportEvent later = report("a", 1.0, 200);
    send(later);
    watermark(200);

    assertThat(items()).isEmpty();
    assertThat(deadLetters())
        .extracting(DeadLetter::getReason, DeadLetter::getSourceOffset, DeadLetter::getTime)
        .containsExactly(
            tuple(DeadLetterReason.NO_ITEM, y.offset, 100L),
            tuple(DeadLetterReason.AFTER_REVEAL, later.offset, 200L));
  }

  @Test
  void completedItemLeavesNoStateOrTimerAfterItsGracePeriod() throws Exception {
    completeItemAt300();

    watermark(300 + GRACE - 1);
    assertThat(held(harness)).as("the closed marker left the heap").isZero();
    assertThat(checkpointed(harness)).as("the closed marker").isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).as("its clean-up").isEqualTo(1);

    watermark(300 + GRACE);
    assertThat(checkpointed(harness)).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
    assertThat(items()).containsExactly(completeCloseAt300());
  }

  @Test
  void timedOutItemLeavesNoStateOrTimerAfterItsGracePeriod() throws Exception {
    send(report("a", 1.0, 100));
    send(report("b", 0.0, 200));
    watermark(100 + TIMEOUT);
    assertThat(items()).hasSize(1);

    watermark(100 + TIMEOUT + GRACE - 1);
    assertThat(held(harness)).isZero();
    assertThat(checkpointed(harness)).isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).isEqualTo(1);

    watermark(100 + TIMEOUT + GRACE);
    assertThat(checkpointed(harness)).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void outcomeOnlyItemLeavesNoStateOrTimerAfterItsGracePeriod() throws Exception {
    send(outcome(1.0, 100));
    watermark(100 + GRACE - 1);
    assertThat(deadLetters()).extracting(DeadLetter::getReason).containsExactly(DeadLetterReason.NO_ITEM);
    assertThat(held(harness)).isZero();
    assertThat(checkpointed(harness)).isEqualTo(1);
    assertThat(harness.numEventTimeTimers()).isEqualTo(1);

    watermark(100 + GRACE);
    assertThat(checkpointed(harness)).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void snapshotAndRestoreMidItemGiveTheSameOutputAsAnUninterruptedRun() throws Exception {
    firstHalf(harness);
    secondHalf(harness);
    List<StreamRecord<? extends ItemEvent>> uninterruptedItems = harness.extractOutputStreamRecords();
    List<DeadLetter> uninterruptedDeadLetters = deadLetters(harness);

    List<StreamRecord<? extends ItemEvent>> restoredItems = new ArrayList<>();
    List<DeadLetter> restoredDeadLetters = new ArrayList<>();
    OperatorSubtaskState snapshot;
    nextOffset = 0;
    try (KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> before =
        newHarness()) {
      before.open();
      firstHalf(before);
      // Mid-item: p1 has one report applied and one buffered; p2 has a buffered outcome: one
      // state entry per item.
      snapshot = before.snapshot(1L, 1L);
      assertThat(before.numKeyedStateEntries()).isEqualTo(2);
      restoredItems.addAll(before.extractOutputStreamRecords());
      restoredDeadLetters.addAll(deadLetters(before));
    }
    try (KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> after =
        newHarness()) {
      after.initializeState(snapshot);
      after.open();
      assertThat(after.numKeyedStateEntries()).isEqualTo(2);
      assertThat(held(after)).as("read back on restore").isEqualTo(2);
      secondHalf(after);
      restoredItems.addAll(after.extractOutputStreamRecords());
      restoredDeadLetters.addAll(deadLetters(after));
      assertThat(held(after)).isZero();
      assertThat(checkpointed(after)).isZero();
      assertThat(after.numEventTimeTimers()).isZero();
    }

    assertThat(restoredItems).isEqualTo(uninterruptedItems);
    assertThat(restoredDeadLetters).isEqualTo(uninterruptedDeadLetters);
    assertThat(uninterruptedItems.stream().map(r -> (ItemEvent) r.getValue()).toList())
        .containsExactly(
            close(300, CloseReason.COMPLETE, new String[] {"a", "b", "c"}, new double[] {0.25, 1.0, 0.5}),
            ItemEvent.outcome(COHORT, PROMPT, 700, 1.0).withOutcomeOrigin(OUTCOMES_TOPIC, 1, 5));
    assertThat(uninterruptedDeadLetters)
        .extracting(DeadLetter::getReason, DeadLetter::getSourceOffset)
        .containsExactly(
            tuple(DeadLetterReason.NO_ITEM, 2L), tuple(DeadLetterReason.LATE, 4L));
  }

  /** Offsets 0..2: p1 gets a (applied at watermark 150) and b (buffered); p2 an outcome (buffered). */
  private void firstHalf(
      KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> h)
      throws Exception {
    ReportEvent a = report("a", 0.25, 100);
    ReportEvent b = report("b", 1.0, 200);
    OutcomeEvent p2 = outcomeOn("p2", 0.0, 180);
    h.processElement1(a, a.time());
    h.processElement1(b, b.time());
    h.processElement2(p2, p2.time());
    h.processBothWatermarks(new Watermark(150));
  }

  /** Offsets 3..5: c completes p1 at 300, a late report, then p1's outcome; then all clean-ups. */
  private void secondHalf(
      KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> h)
      throws Exception {
    ReportEvent c = report("c", 0.5, 300);
    h.processElement1(c, c.time());
    h.processBothWatermarks(new Watermark(350));
    ReportEvent late = report("d", 0.5, 400);
    OutcomeEvent y = outcome(1.0, 700);
    h.processElement1(late, late.time());
    h.processElement2(y, y.time());
    h.processBothWatermarks(new Watermark(10_000));
  }

  private static KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent>
      newHarness() throws Exception {
    return new KeyedTwoInputStreamOperatorTestHarness<>(
        new ItemWindow(POLICY), REPORT_ITEM, OUTCOME_ITEM, Types.STRING);
  }

  /** Items the operator holds on the heap (open, or with inputs waiting for the watermark). */
  private static int held(KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> h) {
    return ((ItemWindow) h.getOperator()).itemsHeld();
  }

  /**
   * The state entries a checkpoint taken now holds: the open items, written at checkpoints, and
   * the markers, written when they leave the heap.
   */
  private int checkpointed(KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> h) throws Exception {
    checkpointId++;
    h.snapshot(checkpointId, checkpointId);
    return h.numKeyedStateEntries();
  }

  /** Reports a, b, c on p1 at 100, 200, 300: the item closes COMPLETE at 300. */
  private void completeItemAt300() throws Exception {
    send(report("a", 1.0, 100));
    send(report("b", 0.75, 200));
    send(report("c", 0.0, 300));
    watermark(300);
  }

  private static ItemEvent completeCloseAt300() {
    return close(300, CloseReason.COMPLETE, new String[] {"a", "b", "c"}, new double[] {1.0, 0.75, 0.0});
  }

  private static ItemEvent close(long time, CloseReason reason, String[] labelers, double[] reports) {
    return ItemEvent.close(COHORT, PROMPT, "resp-a", "resp-b", time, reason, labelers, reports);
  }

  private ReportEvent report(String labeler, double preference, long time) {
    return report(labeler, preference, time, null);
  }

  private ReportEvent report(String labeler, double preference, long time, Integer expectedLabels) {
    return report(labeler, "r-" + labeler + "-" + time, preference, time, expectedLabels);
  }

  private ReportEvent reportWithId(String labeler, String reportId, double preference, long time) {
    return report(labeler, reportId, preference, time, null);
  }

  private ReportEvent report(
      String labeler, String reportId, double preference, long time, Integer expectedLabels) {
    return report(PROMPT, labeler, reportId, preference, time, expectedLabels);
  }

  private ReportEvent reportOn(String promptId, String labeler, double preference, long time) {
    return report(promptId, labeler, "r-" + promptId + "-" + labeler, preference, time, null);
  }

  private ReportEvent report(
      String promptId, String labeler, String reportId, double preference, long time,
      Integer expectedLabels) {
    LabelerReport r =
        LabelerReport.newBuilder()
            .setReportId(reportId)
            .setCohort(COHORT)
            .setPromptId(promptId)
            .setResponseAId("resp-a")
            .setResponseBId("resp-b")
            .setLabelerId(labeler)
            .setPreference(preference)
            .setExpectedLabels(expectedLabels)
            .setEventTime(time)
            .build();
    return new ReportEvent(r, REPORTS_TOPIC, 0, nextOffset++);
  }

  private OutcomeEvent outcome(double y, long time) {
    return outcomeOn(PROMPT, y, time);
  }

  private OutcomeEvent outcomeOn(String promptId, double y, long time) {
    PreferenceOutcome o =
        PreferenceOutcome.newBuilder()
            .setCohort(COHORT)
            .setPromptId(promptId)
            .setOutcome(y)
            .setSource(OutcomeSource.GOLD)
            .setEventTime(time)
            .build();
    return new OutcomeEvent(o, OUTCOMES_TOPIC, 1, nextOffset++);
  }

  private void send(ReportEvent r) throws Exception {
    harness.processElement1(r, r.time());
  }

  private void send(OutcomeEvent o) throws Exception {
    harness.processElement2(o, o.time());
  }

  private void watermark(long time) throws Exception {
    harness.processBothWatermarks(new Watermark(time));
  }

  private List<ItemEvent> items() {
    return harness.extractOutputValues();
  }

  private List<DeadLetter> deadLetters() {
    return deadLetters(harness);
  }

  private static List<DeadLetter> deadLetters(
      KeyedTwoInputStreamOperatorTestHarness<String, ReportEvent, OutcomeEvent, ItemEvent> h) {
    Queue<StreamRecord<DeadLetter>> side = h.getSideOutput(ItemWindow.DEAD_LETTERS);
    List<DeadLetter> out = new ArrayList<>();
    if (side != null) {
      side.forEach(r -> out.add(r.getValue()));
    }
    return out;
  }
}
