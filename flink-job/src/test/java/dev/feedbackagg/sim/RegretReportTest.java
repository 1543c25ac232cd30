package dev.feedbackagg.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.PipelineReference;
import dev.feedbackagg.sim.RegretReport.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Regret figures of a simulation, and their agreement with the core's own counters. */
class RegretReportTest {

  @Test
  void paperMechanismRegretIsBoundedWhileTheMeansGrowsLinearly() {
    Scenario s = Scenarios.paper(); // seed 1, 2000 items
    MechanismConfig c = MechanismConfig.defaults().withMetricsIntervalMs(s.itemIntervalMs());
    RegretReport r = RegretReport.run(World.generate(s).events(), s, c, 10, null);
    String msg = "seed " + s.seed() + ": " + r.methods();
    assertThat(r.kind()).isEqualTo(RegretReport.Kind.BEST_LABELER);
    assertThat(r.rounds()).isEqualTo(s.items());
    assertThat(r.labelers()).isEqualTo(10);
    double bound = 2 * Math.log(10);
    assertThat(r.method(Method.MECHANISM).regret()).as(msg).isLessThan(bound);
    for (RegretReport.Point p : r.method(Method.MECHANISM).series()) {
      assertThat(p.regret()).as("T=%d %s", p.rounds(), msg).isLessThanOrEqualTo(bound + 1e-9);
    }
    assertThat(r.method(Method.MEAN).regret()).as(msg).isGreaterThan(4 * bound);
    assertThat(r.method(Method.MEAN).slope()).as(msg).isBetween(0.85, 1.15);
    assertThat(r.method(Method.MAJORITY).slope()).as(msg).isBetween(0.85, 1.15);
  }

  @Test
  void specialistRegretsAgreeWithTheCoreOnACrowd() {
    Scenario s = Scenarios.crowd().withSeed(2).withItems(6000);
    // About 10 outcomes per labeler here: count labelers from 5.
    MechanismConfig c = MechanismConfig.defaults().withMetricsIntervalMs(60_000L).withMinRounds(5);
    EventLog log = World.generate(s).events();
    PipelineReference.Result pr = new PipelineReference(s.itemPolicy(c.outcomeTimeoutMs()), c)
        .run(log.reports(), log.outcomes());
    RegretReport r = RegretReport.of(pr.itemEvents, pr.mechanism, s.cohort(), c, 10, null);
    assertThat(r.kind()).isEqualTo(RegretReport.Kind.MAX_SPECIALIST);
    assertThat(r.bestLabeler()).isNull();
    RegretMetrics last = pr.mechanism.finalRegret(s.cohort());
    RegretReport.MethodResult mech = r.method(Method.MECHANISM);
    assertThat(last.getMaxSpecialistRegret()).as("seed 2").isNotNull();
    assertThat(mech.maxSpecialistRegret()).as("seed 2").isEqualTo(last.getMaxSpecialistRegret());
    assertThat(mech.maxSpecialistLabeler()).isEqualTo(last.getMaxSpecialistLabelerId());
    assertThat(mech.regret()).isEqualTo(last.getMaxSpecialistRegret());
    // Every snapshot of the mechanism's series is the snapshot's own counter.
    List<Double> fromSnapshots = new ArrayList<>();
    for (RegretMetrics m : pr.mechanism.regret) {
      if (m.getRounds() > 0 && m.getMaxSpecialistRegret() != null) {
        fromSnapshots.add(m.getMaxSpecialistRegret());
      }
    }
    List<Double> series = new ArrayList<>();
    mech.series().forEach(p -> {
      if (!Double.isNaN(p.regret())) {
        series.add(p.regret());
      }
    });
    assertThat(series).isSubsetOf(fromSnapshots);
    assertThat(r.method(Method.MEAN).loss()).isEqualTo(last.getLossMean());
  }

  @Test
  void slopeOfPowerLaws() {
    List<RegretReport.Point> linear = new ArrayList<>();
    List<RegretReport.Point> sqrt = new ArrayList<>();
    for (long t = 1; t <= 1000; t++) {
      linear.add(new RegretReport.Point(t, 0.3 * t));
      sqrt.add(new RegretReport.Point(t, 2 * Math.sqrt(t)));
    }
    assertThat(RegretReport.slope(linear, 10)[0]).isCloseTo(1.0, within(1e-9));
    assertThat(RegretReport.slope(linear, 10)[1]).isEqualTo(991);
    assertThat(RegretReport.slope(sqrt, 10)[0]).isCloseTo(0.5, within(1e-9));
    assertThat(RegretReport.slope(List.of(new RegretReport.Point(20, -1)), 10)[0]).isNaN();
  }
}
