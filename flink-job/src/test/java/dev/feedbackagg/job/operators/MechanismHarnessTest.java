package dev.feedbackagg.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.Choice;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerContribution;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.io.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.assertj.core.api.SoftAssertions;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Mechanism operator in Flink's keyed one-input harness. Expected numbers are worked out from
 * MECHANISM.md in the comments, for one running example:
 *
 * <p>Item p1 closes at 100 with a = 1.0, b = 0.75, c = 0.0 and uniform weights, so p = 1.75 / 3;
 * its outcome y = 1 comes at 200. Brier losses: l(a) = 0, l(b) = 1/16, l(c) = 1. With a(i) = 0,
 * Z = ln((1 + e^-1/32 + e^-1/2) / 3) and D(i) = l(i) + Z / eta = l(i) + 2Z, so afterwards the
 * normalised weights on an item of a, b and c are proportional to e^(-l(i)/2): 1, e^-1/32, e^-1/2.
 */
class MechanismHarnessTest {
  private static final String COHORT = "c1";
  private static final double ETA = 0.5;
  private static final long INTERVAL = 1_000L;
  private static final long OUTCOME_TIMEOUT = 10_000L;
  private static final MechanismConfig CONFIG =
      new MechanismConfig(ETA, Loss.BRIER, 0.0, 1, INTERVAL, OUTCOME_TIMEOUT);

  private static final KeySelector<ItemEvent, String> BY_COHORT = EventKey.cohort();

  /** Where hand computations (exp, log in another order than the code) may differ in the last bits. */
  private static final Offset<Double> ROUNDING = within(1e-12);

  private static final String[] ABC = {"a", "b", "c"};
  private static final double[] P1_REPORTS = {1.0, 0.75, 0.0};
  private static final double[] P1_LOSSES = {0.0, 0.0625, 1.0};
  private static final double P1_PREFERENCE = 1.75 / 3;
  private static final double P1_LOSS = brier(P1_PREFERENCE, 1.0);
  private static final double Z = Math.log((1.0 + Math.exp(-0.03125) + Math.exp(-0.5)) / 3.0);

  private KeyedOneInputStreamOperatorTestHarness<String, ItemEvent, Either<AggregatedPreference, LabelerWeight>>
      harness;

  @BeforeEach
  void openHarness() throws Exception {
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new Mechanism(CONFIG), BY_COHORT, Types.STRING);
    harness.setup(Mechanism.RESULTS.createSerializer(new SerializerConfigImpl())); // Either: not inferable
    harness.open();
  }

  @AfterEach
  void closeHarness() throws Exception {
    harness.close();
  }

  @Test
  void closeIsAggregatedWithUniformWeightsOnceTheWatermarkPassesIt() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    watermark(99);
    assertThat(aggregated()).isEmpty();

    watermark(100);
    assertThat(harness.extractOutputStreamRecords()).extracting(StreamRecord::getTimestamp).containsExactly(100L);
    AggregatedPreference p = aggregated().get(0);
    assertThat(p.getCohort()).isEqualTo(COHORT);
    assertThat(p.getPromptId()).isEqualTo("p1");
    assertThat(p.getResponseAId()).isEqualTo("resp-a");
    assertThat(p.getResponseBId()).isEqualTo("resp-b");
    assertThat(p.getSequence()).isEqualTo(1L);
    assertThat(p.getCloseTime()).isEqualTo(100L);
    assertThat(p.getCloseReason()).isEqualTo(CloseReason.COMPLETE);
    // Uniform weights: the weighted preference is the mean of the reports.
    assertThat(p.getPreference()).isEqualTo(P1_PREFERENCE);
    assertThat(p.getChosen()).isEqualTo(Choice.A);
    assertThat(p.getConfidence()).isEqualTo(Math.abs(2.0 * P1_PREFERENCE - 1.0));
    assertThat(p.getEffectiveLabelers()).isEqualTo(3.0);
    assertThat(p.getLabels()).isEqualTo(3);
    assertThat(p.getMean()).isEqualTo(P1_PREFERENCE);
    assertThat(p.getMedian()).isEqualTo(0.75);
    assertThat(p.getMajority()).isEqualTo(2.0 / 3);
    assertThat(p.getEta()).isEqualTo(ETA);
    assertThat(p.getContributions())
        .extracting(
            LabelerContribution::getLabelerId, LabelerContribution::getReport, LabelerContribution::getWeight)
        .containsExactly(
            tuple("a", 1.0, 1.0 / 3), tuple("b", 0.75, 1.0 / 3), tuple("c", 0.0, 1.0 / 3));
  }

  @Test
  void outcomeChangesTheContributionWeightsOfALaterClose() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    send(outcome("p1", 200, 1.0));
    send(close("p2", 300, ABC, new double[] {0.0, 1.0, 0.5}));
    watermark(300);

    assertThat(aggregated()).hasSize(2);
    AggregatedPreference p2 = aggregated().get(1);
    // Weights proportional to e^(-l(i)/2) (Z is common to a, b and c and cancels).
    double s = 1.0 + Math.exp(-0.03125) + Math.exp(-0.5);
    double[] w = {1.0 / s, Math.exp(-0.03125) / s, Math.exp(-0.5) / s};
    double preference = w[1] * 1.0 + w[2] * 0.5;
    assertThat(p2.getSequence()).isEqualTo(2L);
    assertThat(p2.getContributions()).extracting(LabelerContribution::getLabelerId).containsExactly(ABC);
    for (int i = 0; i < 3; i++) {
      assertThat(p2.getContributions().get(i).getWeight()).as(ABC[i]).isCloseTo(w[i], ROUNDING);
    }
    assertThat(p2.getPreference()).isCloseTo(preference, ROUNDING);
    // The mean is a tie; the learned weights favour a and b, and b, who said 1.0, is wrong less.
    assertThat(p2.getMean()).isEqualTo(0.5);
    assertThat(p2.getChosen()).isEqualTo(Choice.B);
    assertThat(p2.getConfidence()).isCloseTo(Math.abs(2.0 * preference - 1.0), ROUNDING);
    double sumSq = 1.0 + Math.exp(-0.0625) + Math.exp(-1.0);
    assertThat(p2.getEffectiveLabelers()).isCloseTo(s * s / sumSq, ROUNDING);
  }

  @Test
  void regretSnapshotAtTheBoundaryReflectsExactlyTheEventsBeforeIt() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    send(outcome("p1", 200, 1.0));
    // At the boundary itself: not in the snapshot at 1000, applied after it.
    send(close("p2", 1_000, ABC, new double[] {0.0, 1.0, 0.5}));
    watermark(999);
    assertThat(regret()).isEmpty();

    watermark(1_000);
    assertThat(regret()).hasSize(1);
    RegretMetrics m = regret().get(0);
    assertThat(m.getCohort()).isEqualTo(COHORT);
    assertThat(m.getSnapshotTime()).isEqualTo(1_000L);
    assertThat(m.getEndOfInput()).isFalse();
    assertThat(m.getRounds()).isEqualTo(1L);
    assertThat(m.getItemsClosed()).isEqualTo(1L);
    assertThat(m.getItemsExpired()).isZero();
    assertThat(m.getLossMechanism()).isEqualTo(P1_LOSS);
    assertThat(m.getLossMean()).isEqualTo(P1_LOSS);
    assertThat(m.getLossMedian()).isEqualTo(0.0625);
    assertThat(m.getLossMajority()).isEqualTo(brier(2.0 / 3, 1.0));
    // a (report 1.0 = y) is the best labeler in hindsight, with no loss.
    assertThat(m.getBestLabelerId()).isEqualTo("a");
    assertThat(m.getLossBestLabeler()).isEqualTo(0.0);
    assertThat(m.getRegret()).isEqualTo(P1_LOSS);
    assertThat(m.getRegretPerSqrtRounds()).isEqualTo(P1_LOSS);
    assertThat(m.getRegretPerRound()).isEqualTo(P1_LOSS);
    // R(i) = l(p, y) - l(r(i), y): largest for a.
    assertThat(m.getMaxSpecialistRegret()).isEqualTo(P1_LOSS);
    assertThat(m.getMaxSpecialistLabelerId()).isEqualTo("a");
    assertThat(m.getLabelers()).isEqualTo(3L);
    assertThat(m.getMeanEffectiveLabelers()).isEqualTo(3.0);

    watermark(2_000);
    assertThat(regret()).hasSize(2);
    RegretMetrics next = regret().get(1);
    assertThat(next.getSnapshotTime()).isEqualTo(2_000L);
    assertThat(next.getItemsClosed()).isEqualTo(2L);
    assertThat(next.getRounds()).isEqualTo(1L);
    double s = 1.0 + Math.exp(-0.03125) + Math.exp(-0.5);
    double sumSq = 1.0 + Math.exp(-0.0625) + Math.exp(-1.0);
    assertThat(next.getMeanEffectiveLabelers()).isCloseTo((3.0 + s * s / sumSq) / 2, ROUNDING);

    watermark(5_000);
    assertThat(regret()).as("no snapshot when nothing changed").hasSize(2);
  }

  @Test
  void labelerWeightsAreEmittedAtTheBoundaryForLabelersThatChanged() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    send(outcome("p1", 200, 1.0));
    watermark(1_000);

    List<LabelerWeight> atFirst = weights();
    assertThat(atFirst)
        .extracting(
            LabelerWeight::getCohort, LabelerWeight::getLabelerId, LabelerWeight::getSnapshotTime,
            LabelerWeight::getRounds, LabelerWeight::getLoss, LabelerWeight::getSpecialistRegret)
        .containsExactly(
            tuple(COHORT, "a", 1_000L, 1L, 0.0, P1_LOSS - 0.0),
            tuple(COHORT, "b", 1_000L, 1L, 0.0625, P1_LOSS - 0.0625),
            tuple(COHORT, "c", 1_000L, 1L, 1.0, P1_LOSS - 1.0));
    for (int i = 0; i < 3; i++) {
      double d = P1_LOSSES[i] + Z / ETA;
      assertThat(atFirst.get(i).getSpecialistLoss()).as("D(%s)", ABC[i]).isCloseTo(d, ROUNDING);
      assertThat(atFirst.get(i).getLogWeight()).as("-eta D(%s)", ABC[i]).isCloseTo(-ETA * d, ROUNDING);
    }

    // p2 brings newcomer d; a's state does not change at a close, so only d is written.
    send(close("p2", 1_500, new String[] {"a", "d"}, new double[] {1.0, 0.0}));
    watermark(2_000);
    List<LabelerWeight> atSecond = weights().subList(3, weights().size());
    assertThat(atSecond)
        .extracting(
            LabelerWeight::getLabelerId, LabelerWeight::getSnapshotTime, LabelerWeight::getLogWeight,
            LabelerWeight::getSpecialistLoss, LabelerWeight::getRounds, LabelerWeight::getLoss,
            LabelerWeight::getSpecialistRegret)
        .containsExactly(tuple("d", 2_000L, -ETA * 0.0, 0.0, 0L, 0.0, 0.0));
    assertThat(regret()).extracting(RegretMetrics::getLabelers).containsExactly(3L, 4L);
  }

  @Test
  void pendingItemExpiresAfterTheOutcomeTimeoutAndItsLaterOutcomeIsADeadLetter() throws Exception {
    send(close("p1", 100, new String[] {"a", "b"}, new double[] {1.0, 0.0}));
    watermark(100);
    send(outcome("p1", 10_500, 1.0).withOutcomeOrigin("feedback.outcomes", 2, 42L));

    watermark(100 + OUTCOME_TIMEOUT - 1);
    assertThat(pending().contains("p1")).isTrue();
    watermark(100 + OUTCOME_TIMEOUT);
    assertThat(pending().contains("p1")).as("expired at close + outcome timeout").isFalse();

    watermark(11_000);
    assertThat(regret())
        .extracting(
            RegretMetrics::getSnapshotTime, RegretMetrics::getItemsClosed, RegretMetrics::getItemsExpired,
            RegretMetrics::getRounds, RegretMetrics::getRegret)
        .containsExactly(tuple(1_000L, 1L, 0L, 0L, null), tuple(11_000L, 1L, 1L, 0L, null));
    assertThat(deadLetters())
        .extracting(
            DeadLetter::getReason, DeadLetter::getSourceTopic, DeadLetter::getSourcePartition,
            DeadLetter::getSourceOffset, DeadLetter::getTime)
        .containsExactly(tuple(DeadLetterReason.NO_ITEM, "feedback.outcomes", 2, 42L, 10_500L));
    assertThat(DeadLetters.bytes(deadLetters().get(0).getKey()))
        .isEqualTo("p1".getBytes(StandardCharsets.UTF_8));
    assertThat(labelers().get("a").rounds).as("an expired item never updates weights").isZero();
  }

  /**
   * After p1's outcome is applied and the boundary snapshot is taken, nothing of p1 should be
   * left: keyed state = one labelers map + one summary (the heap backend counts one entry per
   * state and key, however many map entries), and the only timer is the end-of-input one.
   */
  @Test
  void appliedOutcomeLeavesOnlyTheLabelersTheSummaryAndTheEndOfInputTimer() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    send(outcome("p1", 200, 1.0));
    watermark(1_000);
    assertThat(regret()).extracting(RegretMetrics::getSnapshotTime).containsExactly(1_000L);

    boolean pendingEmpty = pending().isEmpty();
    Iterable<ItemEvent> buffered = state(Mechanism.BUFFER).get();
    boolean bufferEmpty = buffered == null || !buffered.iterator().hasNext();
    int entries = keyedStateEntries();
    int timers = harness.numEventTimeTimers();
    SoftAssertions.assertSoftly(
        softly -> {
          softly.assertThat(pendingEmpty).as("pending-items is empty").isTrue();
          softly.assertThat(bufferEmpty).as("buffered-item-events is empty").isTrue();
          softly.assertThat(entries).as("keyed state entries: labelers + summary").isEqualTo(2);
          softly.assertThat(timers).as("event-time timers: the end-of-input one only").isEqualTo(1);
        });
  }

  @Test
  void closeWithHeldOutcomeIsUpdatedAtOnceAndKeepsNoPendingItem() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS).withHeldOutcome(1.0));
    watermark(1_000);

    assertThat(aggregated()).extracting(AggregatedPreference::getPreference).containsExactly(P1_PREFERENCE);
    assertThat(regret())
        .extracting(RegretMetrics::getRounds, RegretMetrics::getLossMechanism)
        .containsExactly(tuple(1L, P1_LOSS));
    assertThat(labelers().get("c").specialistLoss).isCloseTo(1.0 + Z / ETA, ROUNDING);
    assertThat(keyedStateEntries()).as("labelers + summary").isEqualTo(2);
    assertThat(harness.numEventTimeTimers()).as("the end-of-input timer only").isEqualTo(1);
  }

  @Test
  void labelerWeightsNeverExpire() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    send(outcome("p1", 200, 1.0));
    long farLater = 400L * 24 * 3600 * 1000; // 400 days of event time
    watermark(farLater);

    assertThat(keyedStateEntries()).as("labelers + summary").isEqualTo(2);
    assertThat(harness.numEventTimeTimers()).as("the end-of-input timer only").isEqualTo(1);
    assertThat(labelers().keySet()).containsExactlyInAnyOrder(ABC);
    for (int i = 0; i < 3; i++) {
      LabelerState s = labelers().get(ABC[i]);
      assertThat(s.rounds).isEqualTo(1L);
      assertThat(s.loss).isEqualTo(P1_LOSSES[i]);
      assertThat(s.specialistLoss).isCloseTo(P1_LOSSES[i] + Z / ETA, ROUNDING);
    }

    // And they are still used: a close 400 days later is weighted as right after the outcome.
    send(close("p3", farLater + 100, ABC, new double[] {0.0, 1.0, 0.5}));
    watermark(farLater + 100);
    double s = 1.0 + Math.exp(-0.03125) + Math.exp(-0.5);
    assertThat(aggregated().get(1).getContributions().get(0).getWeight()).isCloseTo(1.0 / s, ROUNDING);
  }

  @Test
  void finalWatermarkEmitsTheEndOfInputSnapshot() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    send(outcome("p1", 200, 1.0));
    send(close("p2", 300, ABC, new double[] {0.0, 1.0, 0.5}));
    watermark(Long.MAX_VALUE);

    // 1000: the boundary after p1, p2; 11_000: the boundary after p2 expired at 10_300; then the end.
    assertThat(regret())
        .extracting(
            RegretMetrics::getSnapshotTime, RegretMetrics::getEndOfInput, RegretMetrics::getItemsClosed,
            RegretMetrics::getItemsExpired, RegretMetrics::getRounds)
        .containsExactly(
            tuple(1_000L, false, 2L, 0L, 1L),
            tuple(11_000L, false, 2L, 1L, 1L),
            tuple(Long.MAX_VALUE, true, 2L, 1L, 1L));
    RegretMetrics end = regret().get(2);
    assertThat(end.getLossMechanism()).isEqualTo(P1_LOSS);
    assertThat(end.getBestLabelerId()).isEqualTo("a");
    assertThat(end.getRegret()).isEqualTo(P1_LOSS);
    assertThat(weights()).extracting(LabelerWeight::getSnapshotTime).containsOnly(1_000L);
    assertThat(harness.numEventTimeTimers()).isZero();
    assertThat(keyedStateEntries()).as("labelers + summary").isEqualTo(2);
  }

  @Test
  void eventsOfOneTimeAreAppliedOutcomesFirstThenByPromptId() throws Exception {
    send(close("p1", 100, ABC, P1_REPORTS));
    // At 200: p3 and p2 close, and p1's outcome comes; p2 and p3 are weighted after the update.
    send(close("p3", 200, ABC, new double[] {0.0, 1.0, 0.5}));
    send(close("p2", 200, ABC, new double[] {0.0, 1.0, 0.5}));
    send(outcome("p1", 200, 1.0));
    watermark(200);

    assertThat(aggregated())
        .extracting(AggregatedPreference::getPromptId, AggregatedPreference::getSequence)
        .containsExactly(tuple("p1", 1L), tuple("p2", 2L), tuple("p3", 3L));
    double s = 1.0 + Math.exp(-0.03125) + Math.exp(-0.5);
    assertThat(aggregated().get(1).getContributions().get(0).getWeight()).isCloseTo(1.0 / s, ROUNDING);
    assertThat(aggregated().get(2).getPreference()).isEqualTo(aggregated().get(1).getPreference());
  }

  @Test
  void eventBehindTheWatermarkIsStillAppliedAtTheNextWatermark() throws Exception {
    watermark(500);
    send(close("p1", 100, ABC, P1_REPORTS));
    assertThat(aggregated()).isEmpty();

    watermark(501);
    assertThat(aggregated()).extracting(AggregatedPreference::getCloseTime).containsExactly(100L);
    watermark(1_000);
    assertThat(regret()).extracting(RegretMetrics::getItemsClosed).containsExactly(1L);
  }

  private static ItemEvent close(String promptId, long time, String[] labelers, double[] reports) {
    return ItemEvent.close(
        COHORT, promptId, "resp-a", "resp-b", time, CloseReason.COMPLETE, labelers.clone(), reports.clone());
  }

  private static ItemEvent outcome(String promptId, long time, double y) {
    return ItemEvent.outcome(COHORT, promptId, time, y);
  }

  private static double brier(double p, double y) {
    double d = p - y;
    return d * d;
  }

  private void send(ItemEvent e) throws Exception {
    harness.processElement(e, e.time);
  }

  private void watermark(long time) throws Exception {
    harness.processWatermark(time);
  }

  /** The aggregates among the main output, in order. */
  private List<AggregatedPreference> aggregated() {
    List<AggregatedPreference> out = new ArrayList<>();
    for (Either<AggregatedPreference, LabelerWeight> r : harness.extractOutputValues()) {
      if (r.isLeft()) {
        out.add(r.left());
      }
    }
    return out;
  }

  private List<RegretMetrics> regret() {
    return side(harness.getSideOutput(Mechanism.REGRET));
  }

  /** The labeler weights among the main output, in order. */
  private List<LabelerWeight> weights() {
    List<LabelerWeight> out = new ArrayList<>();
    for (Either<AggregatedPreference, LabelerWeight> r : harness.extractOutputValues()) {
      if (r.isRight()) {
        out.add(r.right());
      }
    }
    return out;
  }

  private List<DeadLetter> deadLetters() {
    return side(harness.getSideOutput(Mechanism.DEAD_LETTERS));
  }

  private static <T> List<T> side(Queue<StreamRecord<T>> records) {
    List<T> out = new ArrayList<>();
    if (records != null) {
      records.forEach(r -> out.add(r.getValue()));
    }
    return out;
  }

  /**
   * Keyed state entries once the operator has written its heap state to the backend, as it does
   * at every checkpoint.
   */
  private int keyedStateEntries() throws Exception {
    checkpoint();
    return harness.numKeyedStateEntries();
  }

  private long checkpointId;

  /** A checkpoint: the operator writes what changed into keyed state. */
  private void checkpoint() throws Exception {
    checkpointId++;
    harness.snapshot(checkpointId, checkpointId);
  }

  /** One of the operator's keyed states, for the cohort, as the last checkpoint wrote it. */
  private <S extends State> S state(StateDescriptor<S, ?> descriptor) throws Exception {
    checkpoint();
    harness.getOperator().setCurrentKey(COHORT);
    return harness
        .getOperator()
        .getKeyedStateBackend()
        .getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
  }

  private MapState<String, ?> pending() throws Exception {
    return state(Mechanism.PENDING);
  }

  private java.util.Map<String, LabelerState> labelers() throws Exception {
    java.util.Map<String, LabelerState> out = new java.util.TreeMap<>();
    for (java.util.Map.Entry<String, LabelerState> e : state(Mechanism.LABELERS).entries()) {
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }
}
