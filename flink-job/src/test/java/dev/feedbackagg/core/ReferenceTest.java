package dev.feedbackagg.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The reference's snapshots, expiries and regret accounting (MECHANISM.md, "Regret accounting";
 * ARCHITECTURE.md, topics), against {@link ContractModel} and hand computations.
 */
class ReferenceTest {
  private static final double TOL = 1e-9;

  // ---------------------------------------------------------------------------------------------
  // Snapshots against the model.
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {21, 22, 23, 24, 25, 26})
  void everySnapshotReflectsExactlyTheEventsBeforeItsBoundary(long seed) {
    MechanismConfig config =
        MechanismConfig.defaults().withMetricsIntervalMs(25).withOutcomeTimeoutMs(120).withMinRounds(3);
    List<ItemEvent> events = OrderingDeterminismTest.randomItemEvents(new Random(seed));
    Reference.Result result = new Reference(config).run(events);

    for (String cohort : List.of("c0", "c1")) {
      String ctx0 = "seed " + seed + " cohort " + cohort;
      List<ItemEvent> mine = events.stream().filter(e -> e.cohort.equals(cohort)).toList();
      ContractModel model = new ContractModel(config, mine);
      List<RegretMetrics> snapshots =
          result.regret.stream().filter(r -> r.getCohort().equals(cohort)).toList();
      assertThat(snapshots).as("%s: snapshots", ctx0).hasSizeGreaterThan(3);
      long previous = Long.MIN_VALUE;
      for (int i = 0; i < snapshots.size(); i++) {
        RegretMetrics snap = snapshots.get(i);
        long t = snap.getSnapshotTime();
        String ctx = ctx0 + " snapshot at " + t;
        boolean last = i == snapshots.size() - 1;
        assertThat(snap.getEndOfInput()).as("%s: only the last is end of input", ctx).isEqualTo(last);
        if (last) {
          assertThat(t).as("%s: end-of-input time", ctx).isEqualTo(Long.MAX_VALUE);
        } else {
          assertThat(t % config.metricsIntervalMs()).as("%s: on the interval grid", ctx).isZero();
        }
        assertThat(t).as("%s: ascending", ctx).isGreaterThan(previous);
        previous = t;
        model.runBefore(t);
        assertSnapshotMatchesModel(ctx, snap, model);
        assertWeightsMatchModel(ctx, cohort, t, result.weights, model);
      }
      // A snapshot follows every change: at the first boundary after each close, outcome, expiry.
      TreeSet<Long> times = new TreeSet<>();
      snapshots.forEach(s -> times.add(s.getSnapshotTime()));
      for (long change : model.changeTimes) {
        long boundary = Math.floorDiv(change, config.metricsIntervalMs()) * config.metricsIntervalMs()
            + config.metricsIntervalMs();
        assertThat(times).as("%s: a snapshot at the boundary after the change at %d", ctx0, change)
            .contains(boundary);
      }
      assertThat(result.unmatchedOutcomes.stream().filter(e -> e.cohort.equals(cohort)).toList())
          .as("%s: unmatched outcomes", ctx0).isEqualTo(model.unmatched);
      for (AggregatedPreference a : result.aggregated) {
        if (a.getCohort().equals(cohort)) {
          assertThat(a.getPreference()).as("%s: p of %s", ctx0, a.getPromptId())
              .isCloseTo(model.preference.get(a.getPromptId()), within(1e-12));
        }
      }
    }
  }

  private static void assertSnapshotMatchesModel(String ctx, RegretMetrics s, ContractModel m) {
    assertThat(s.getRounds()).as("%s: rounds", ctx).isEqualTo(m.rounds);
    assertThat(s.getItemsClosed()).as("%s: items_closed", ctx).isEqualTo(m.itemsClosed);
    assertThat(s.getItemsExpired()).as("%s: items_expired", ctx).isEqualTo(m.itemsExpired);
    assertThat(s.getLabelers()).as("%s: labelers", ctx).isEqualTo(m.labelers.size());
    assertThat(s.getLossMechanism()).as("%s: loss_mechanism", ctx).isCloseTo(m.lossMechanism, within(TOL));
    assertThat(s.getLossMean()).as("%s: loss_mean", ctx).isCloseTo(m.lossMean, within(TOL));
    assertThat(s.getLossMedian()).as("%s: loss_median", ctx).isCloseTo(m.lossMedian, within(TOL));
    assertThat(s.getLossMajority()).as("%s: loss_majority", ctx).isCloseTo(m.lossMajority, within(TOL));
    assertThat(s.getMeanEffectiveLabelers()).as("%s: mean_effective_labelers", ctx)
        .isCloseTo(m.itemsClosed == 0 ? 0.0 : m.sumEffective / m.itemsClosed, within(TOL));
    String best = m.bestLabeler();
    assertThat(s.getBestLabelerId()).as("%s: best labeler", ctx).isEqualTo(best);
    if (best == null) {
      assertThat(s.getRegret()).as("%s: regret", ctx).isNull();
      assertThat(s.getLossBestLabeler()).as("%s: loss_best_labeler", ctx).isNull();
    } else {
      double lossBest = m.labelers.get(best).loss;
      double regret = m.lossMechanism - lossBest;
      assertThat(s.getLossBestLabeler()).as("%s: loss_best_labeler", ctx).isCloseTo(lossBest, within(TOL));
      assertThat(s.getRegret()).as("%s: regret", ctx).isCloseTo(regret, within(TOL));
      assertThat(s.getRegretPerSqrtRounds()).as("%s: regret/sqrt(T)", ctx)
          .isCloseTo(regret / Math.sqrt(m.rounds), within(TOL));
      assertThat(s.getRegretPerRound()).as("%s: regret/T", ctx).isCloseTo(regret / m.rounds, within(TOL));
    }
    String maxId = m.maxSpecialistLabeler();
    assertThat(s.getMaxSpecialistLabelerId()).as("%s: max specialist labeler", ctx).isEqualTo(maxId);
    if (maxId == null) {
      assertThat(s.getMaxSpecialistRegret()).as("%s: max specialist regret", ctx).isNull();
    } else {
      assertThat(s.getMaxSpecialistRegret()).as("%s: max specialist regret", ctx)
          .isCloseTo(m.labelers.get(maxId).regret, within(TOL));
    }
  }

  private static void assertWeightsMatchModel(
      String ctx, String cohort, long t, List<LabelerWeight> all, ContractModel m) {
    List<LabelerWeight> at =
        all.stream().filter(w -> w.getCohort().equals(cohort) && w.getSnapshotTime() == t).toList();
    List<String> changed = m.takeChanged();
    assertThat(at).as("%s: labeler-weight records, one per labeler changed since the last", ctx)
        .extracting(LabelerWeight::getLabelerId).containsExactlyElementsOf(changed);
    for (LabelerWeight w : at) {
      ContractModel.Labeler s = m.labelers.get(w.getLabelerId());
      String c = ctx + " labeler " + w.getLabelerId();
      assertThat(w.getSpecialistLoss()).as("%s: D", c).isCloseTo(s.d, within(TOL));
      assertThat(w.getLogWeight()).as("%s: log weight", c).isCloseTo(-m.eta * s.d, within(TOL));
      assertThat(w.getRounds()).as("%s: n", c).isEqualTo(s.n);
      assertThat(w.getLoss()).as("%s: L", c).isCloseTo(s.loss, within(TOL));
      assertThat(w.getSpecialistRegret()).as("%s: R", c).isCloseTo(s.regret, within(TOL));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Hand-computed cases.
  // ---------------------------------------------------------------------------------------------

  private static ItemEvent close(String prompt, long time, String[] ids, double[] reports) {
    return ItemEvent.close("c", prompt, "A", "B", time, CloseReason.COMPLETE, ids, reports);
  }

  private static List<RegretMetrics> at(Reference.Result r, long t) {
    return r.regret.stream().filter(x -> x.getSnapshotTime() == t).toList();
  }

  private static List<LabelerWeight> weightsAt(Reference.Result r, long t) {
    return r.weights.stream().filter(x -> x.getSnapshotTime() == t).toList();
  }

  @Test
  void aBoundarySnapshotExcludesEventsAtTheBoundaryItself() {
    MechanismConfig config =
        MechanismConfig.defaults().withMetricsIntervalMs(100).withOutcomeTimeoutMs(1000);
    String[] ab = {"a", "b"};
    List<ItemEvent> events = List.of(
        close("p1", 99, ab, new double[] {1, 0}).withHeldOutcome(1.0),
        close("p2", 100, ab, new double[] {1, 0}).withHeldOutcome(1.0),
        close("p3", 199, ab, new double[] {1, 0}));
    Reference.Result r = new Reference(config).run(events);
    assertThat(r.regret).extracting(RegretMetrics::getSnapshotTime)
        .containsExactly(100L, 200L, 1200L, Long.MAX_VALUE);
    RegretMetrics at100 = r.regret.get(0);
    assertThat(at100.getItemsClosed()).as("p1 at 99 only").isEqualTo(1);
    assertThat(at100.getRounds()).isEqualTo(1);
    assertThat(at100.getLossMechanism()).as("(0.5 - 1)^2").isEqualTo(0.25);
    RegretMetrics at200 = r.regret.get(1);
    assertThat(at200.getItemsClosed()).as("p1, p2 (at 100) and p3 (at 199)").isEqualTo(3);
    assertThat(at200.getRounds()).isEqualTo(2);
    assertThat(at200.getItemsExpired()).isZero();
    assertThat(r.regret.get(2).getItemsExpired()).as("p3 expired at 1199").isEqualTo(1);
    RegretMetrics end = r.regret.get(3);
    assertThat(end.getEndOfInput()).isTrue();
    assertThat(end.getItemsClosed()).isEqualTo(3);
    assertThat(end.getItemsExpired()).isEqualTo(1);
    assertThat(r.regret.subList(0, 3)).extracting(RegretMetrics::getEndOfInput).containsOnly(false);
  }

  @Test
  void weightRecordsAreWrittenOnlyForLabelersThatChanged() {
    double eta = 0.5;
    MechanismConfig config = MechanismConfig.defaults().withEta(eta).withMetricsIntervalMs(100);
    List<ItemEvent> events = List.of(
        // [0,100): p1 with a and b, revealed y = 1: a right (loss 0), b wrong (loss 1).
        close("p1", 10, new String[] {"a", "b"}, new double[] {1, 0}).withHeldOutcome(1.0),
        // [100,200): p2 closes with b and the newcomer c, no outcome yet: only c is new.
        close("p2", 150, new String[] {"b", "c"}, new double[] {0.5, 1}),
        // [200,300): p2 revealed: b and c change, a does not.
        ItemEvent.outcome("c", "p2", 250, 1.0),
        // [300,400): an unmatched outcome changes nobody, and no snapshot is needed.
        ItemEvent.outcome("c", "nothing", 350, 1.0));
    Reference.Result r = new Reference(config).run(events);

    double z1 = Math.log((1 + Math.exp(-eta)) / 2); // Z of p1: weights equal, losses 0 and 1
    double da = z1 / eta;
    double db = 1 + z1 / eta;
    assertThat(weightsAt(r, 100)).extracting(LabelerWeight::getLabelerId).containsExactly("a", "b");
    LabelerWeight wa = weightsAt(r, 100).get(0);
    LabelerWeight wb = weightsAt(r, 100).get(1);
    assertThat(wa.getSpecialistLoss()).isCloseTo(da, within(1e-15));
    assertThat(wa.getLogWeight()).isCloseTo(-eta * da, within(1e-15));
    assertThat(wa.getRounds()).isEqualTo(1);
    assertThat(wa.getLoss()).isEqualTo(0.0);
    assertThat(wa.getSpecialistRegret()).as("(0.5-1)^2 - 0").isEqualTo(0.25);
    assertThat(wb.getSpecialistLoss()).isCloseTo(db, within(1e-15));
    assertThat(wb.getLoss()).isEqualTo(1.0);
    assertThat(wb.getSpecialistRegret()).as("(0.5-1)^2 - 1").isEqualTo(-0.75);

    assertThat(weightsAt(r, 200)).extracting(LabelerWeight::getLabelerId).containsExactly("c");
    assertThat(weightsAt(r, 200).get(0).getSpecialistLoss()).isEqualTo(0.0);
    assertThat(weightsAt(r, 200).get(0).getRounds()).isEqualTo(0);

    assertThat(weightsAt(r, 300)).extracting(LabelerWeight::getLabelerId).containsExactly("b", "c");
    // p2 was aggregated with b at D = db and c at 0: its update uses those log-weights.
    double ab = -eta * db;
    double ac = 0.0;
    double lb = 0.25;
    double lc = 0.0;
    double z2 = Math.log((Math.exp(ab - eta * lb) + Math.exp(ac - eta * lc)) / (Math.exp(ab) + Math.exp(ac)));
    assertThat(weightsAt(r, 300).get(0).getSpecialistLoss()).isCloseTo(db + lb + z2 / eta, within(1e-14));
    assertThat(weightsAt(r, 300).get(1).getSpecialistLoss()).isCloseTo(lc + z2 / eta, within(1e-14));
    assertThat(at(r, 400)).as("nothing changed in [300,400)").isEmpty();
    assertThat(weightsAt(r, Long.MAX_VALUE)).as("nothing changed since 300").isEmpty();
    assertThat(r.unmatchedOutcomes).extracting(e -> e.promptId).containsExactly("nothing");
  }

  @Test
  void aPendingItemExpiresAfterTheOutcomeTimeoutAndALaterOutcomeIsUnmatched() {
    MechanismConfig config =
        MechanismConfig.defaults().withMetricsIntervalMs(100).withOutcomeTimeoutMs(50);
    String[] ab = {"a", "b"};
    ItemEvent late = ItemEvent.outcome("c", "p1", 70, 1.0);
    List<ItemEvent> events = List.of(
        close("p1", 10, ab, new double[] {1, 0}), // expires at 60
        close("p2", 20, ab, new double[] {1, 0}), // expires at 70
        ItemEvent.outcome("c", "p2", 69, 1.0), // in time
        late);
    Reference.Result r = new Reference(config).run(events);
    assertThat(r.unmatchedOutcomes).containsExactly(late);
    RegretMetrics at100 = at(r, 100).get(0);
    assertThat(at100.getItemsClosed()).isEqualTo(2);
    assertThat(at100.getItemsExpired()).isEqualTo(1);
    assertThat(at100.getRounds()).isEqualTo(1);
    assertThat(at100.getLossMechanism()).as("p2: (0.5 - 1)^2").isEqualTo(0.25);
    assertThat(r.stores.get("c").labeler("a").rounds).as("p1 never updated anyone").isEqualTo(1);
    assertThat(r.stores.get("c").pendingCount()).isZero();
    assertThat(r.finalRegret("c").getItemsExpired()).isEqualTo(1);
  }

  @Test
  void anExpiryIsASnapshotWorthyChange() {
    MechanismConfig config =
        MechanismConfig.defaults().withMetricsIntervalMs(100).withOutcomeTimeoutMs(250);
    Reference.Result r =
        new Reference(config).run(List.of(close("p1", 10, new String[] {"a"}, new double[] {1})));
    // Closed at 10 (snapshot at 100), expired at 260 (snapshot at 300), then end of input.
    assertThat(r.regret).extracting(RegretMetrics::getSnapshotTime)
        .containsExactly(100L, 300L, Long.MAX_VALUE);
    assertThat(r.regret).extracting(RegretMetrics::getItemsExpired).containsExactly(0L, 1L, 1L);
  }

  @Test
  void theBestLabelerIsOnlyAmongLabelersOnEveryItemWithOutcome() {
    String[] abx = {"a", "b", "x"};
    String[] ab = {"a", "b"};
    String[] bx = {"b", "x"};
    List<ItemEvent> events = List.of(
        close("k1", 1, abx, new double[] {1, 0.5, 1}).withHeldOutcome(1.0),
        close("k2", 2, ab, new double[] {1, 0.5}).withHeldOutcome(1.0),
        close("k3", 3, abx, new double[] {0, 0.5, 1}).withHeldOutcome(1.0),
        // No outcome: a's absence here does not disqualify a.
        close("k4", 4, bx, new double[] {0, 0}));
    Reference.Result r = new Reference(MechanismConfig.defaults()).run(events);
    RegretMetrics end = r.finalRegret("c");
    // L(a) = 0 + 0 + 1 = 1, L(b) = 3 * 0.25 = 0.75, L(x) = 0 but x missed k2.
    assertThat(end.getBestLabelerId()).isEqualTo("b");
    assertThat(end.getLossBestLabeler()).isEqualTo(0.75);
    double mech = 0;
    for (AggregatedPreference a : r.aggregated) {
      if (!a.getPromptId().equals("k4")) {
        mech += (a.getPreference() - 1.0) * (a.getPreference() - 1.0);
      }
    }
    assertThat(end.getLossMechanism()).isCloseTo(mech, within(1e-15));
    assertThat(end.getRegret()).isCloseTo(mech - 0.75, within(1e-15));
    assertThat(end.getRounds()).isEqualTo(3);
    assertThat(end.getRegretPerSqrtRounds()).isCloseTo((mech - 0.75) / Math.sqrt(3), within(1e-15));
    assertThat(end.getRegretPerRound()).isCloseTo((mech - 0.75) / 3, within(1e-15));
  }

  @Test
  void equalLossesGoToTheSmallerLabelerId() {
    String[] ids = {"m", "n", "z"};
    List<ItemEvent> events = List.of(
        close("k1", 1, ids, new double[] {1, 1, 0}).withHeldOutcome(1.0),
        close("k2", 2, ids, new double[] {0.5, 0.5, 0}).withHeldOutcome(1.0));
    RegretMetrics end = new Reference(MechanismConfig.defaults()).run(events).finalRegret("c");
    assertThat(end.getBestLabelerId()).isEqualTo("m");
    assertThat(end.getLossBestLabeler()).isEqualTo(0.25);
  }

  @Test
  void withNoLabelerOnEveryItemThereIsNoBestLabeler() {
    List<ItemEvent> events = List.of(
        close("k1", 1, new String[] {"a", "b"}, new double[] {1, 0}).withHeldOutcome(1.0),
        close("k2", 2, new String[] {"c", "d"}, new double[] {1, 0}).withHeldOutcome(0.0));
    RegretMetrics end = new Reference(MechanismConfig.defaults()).run(events).finalRegret("c");
    assertThat(end.getRounds()).isEqualTo(2);
    assertThat(end.getBestLabelerId()).isNull();
    assertThat(end.getRegret()).isNull();
    assertThat(end.getRegretPerSqrtRounds()).isNull();
    assertThat(end.getRegretPerRound()).isNull();
  }

  @Test
  void theMaxSpecialistRegretLeavesOutLabelersBelowMinRounds() {
    String[] abz = {"a", "b", "z"};
    String[] ab = {"a", "b"};
    List<ItemEvent> events = new ArrayList<>();
    // z is right twice while a and b are wrong: a large R(z) over 2 rounds.
    events.add(close("k1", 1, abz, new double[] {0, 0, 1}).withHeldOutcome(1.0));
    events.add(close("k2", 2, abz, new double[] {0, 0, 1}).withHeldOutcome(1.0));
    // a and b get a third round; a is right, b wrong.
    events.add(close("k3", 3, ab, new double[] {1, 0}).withHeldOutcome(1.0));
    for (long minRounds : new long[] {3, 2, 4}) {
      MechanismConfig config = MechanismConfig.defaults().withMinRounds(minRounds);
      Reference.Result r = new Reference(config).run(events);
      // By hand (eta 0.5): k1 has equal weights, p1 = 1/3; after it w(z)/w(a) = e^eta, so
      // p2 = e^eta / (2 + e^eta); a and b stay level, so p3 = 1/2.
      double eta = config.eta();
      double p1 = 1.0 / 3;
      double p2 = Math.exp(eta) / (2 + Math.exp(eta));
      double p3 = 0.5;
      double[] expected = {p1, p2, p3};
      for (int k = 0; k < 3; k++) {
        assertThat(r.aggregated.get(k).getPreference()).as("p of k%d", k + 1)
            .isCloseTo(expected[k], within(1e-15));
      }
      // R(i) = sum over i's items of l(p, y) - l(r_i, y).
      double common = sq(p1 - 1) + sq(p2 - 1);
      double ra = common - 1 - 1 + sq(p3 - 1) - 0;
      double rb = common - 1 - 1 + sq(p3 - 1) - 1;
      double rz = common;
      RegretMetrics end = r.finalRegret("c");
      String ctx = "min_rounds " + minRounds;
      if (minRounds == 3) {
        assertThat(end.getMaxSpecialistLabelerId()).as(ctx).isEqualTo("a");
        assertThat(end.getMaxSpecialistRegret()).as(ctx).isCloseTo(ra, within(1e-15));
        assertThat(rz).as("z would win without the filter").isGreaterThan(ra);
      } else if (minRounds == 2) {
        assertThat(end.getMaxSpecialistLabelerId()).as(ctx).isEqualTo("z");
        assertThat(end.getMaxSpecialistRegret()).as(ctx).isCloseTo(rz, within(1e-15));
      } else {
        assertThat(end.getMaxSpecialistLabelerId()).as(ctx).isNull();
        assertThat(end.getMaxSpecialistRegret()).as(ctx).isNull();
      }
      assertThat(r.stores.get("c").labeler("b").specialistRegret).as(ctx).isCloseTo(rb, within(1e-15));
    }
  }

  private static double sq(double v) {
    return v * v;
  }
}
