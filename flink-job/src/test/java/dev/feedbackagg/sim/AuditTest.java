package dev.feedbackagg.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The audit's machinery: targets, statistics, determinism. The verdicts on the full scenarios are
 * checked through the command (AuditCommandTest).
 */
class AuditTest {

  @Test
  void resultsDoNotDependOnThreadScheduling() {
    Scenario s = Scenarios.paper().withItems(150);
    Audit.Options o = new Audit.Options(s, 0.5, 6, 100, Audit.DEFAULT_STRATEGIES, List.of("L05", "L09"));
    Audit.Result a = Audit.run(o);
    Audit.Result b = Audit.run(o);
    assertThat(b).as("seeds 100..105").isEqualTo(a);
    assertThat(a.targets()).hasSize(2);
    assertThat(a.targets().get(0).gains()).hasSize(Audit.DEFAULT_STRATEGIES.size());
  }

  @Test
  void gainsAreDifferencesOnCommonRandomNumbers() {
    // Playing truthful against truthful gains exactly nothing on every seed.
    Scenario s = Scenarios.paper().withItems(100);
    Audit.Result r = Audit.run(new Audit.Options(s, 0.5, 3, 1, List.of(Strategy.TRUTHFUL), List.of("L00")));
    Audit.Gain g = r.targets().get(0).gains().get(0);
    assertThat(g.mean()).as("seeds 1..3").isZero();
    assertThat(g.sd()).isZero();
    assertThat(g.profitable()).isFalse();
    assertThat(r.verdict()).isEqualTo("TRUTHFUL");
    assertThat(r.targets().get(0).labels()).isEqualTo(100);
  }

  @Test
  void meanForecasterRewardsExaggeration() {
    Scenario s = Scenarios.paper().withItems(300);
    Audit.Result r = Audit.run(
        new Audit.Options(s, 0.0, 10, 1, List.of(new Strategy.Exaggerate(1.0)), List.of("L05")));
    assertThat(r.forecaster()).isEqualTo("mean");
    assertThat(r.profitable()).as("seeds 1..10: %s", Audit.toTable(r)).containsExactly("L05: exaggerate:1");
    assertThat(r.verdict()).isEqualTo("NOT_TRUTHFUL");
  }

  @Test
  void targetsStandForTheirPrincipal() {
    Scenario s = Scenarios.crowd();
    List<Audit.Target> defaults = Audit.defaultTargets(s);
    assertThat(defaults).extracting(Audit.Target::type).doesNotHaveDuplicates();
    assertThat(defaults).extracting(Audit.Target::type)
        .anySatisfy(t -> assertThat(t).startsWith("colluder"))
        .anySatisfy(t -> assertThat(t).startsWith("sybil_master"))
        .anySatisfy(t -> assertThat(t).startsWith("spammer"))
        .noneSatisfy(t -> assertThat(t).startsWith("honest"));
    LabelerSpec colluder = s.labelers().stream().filter(l -> l.role() == LabelerSpec.Role.COLLUDER).findFirst().get();
    assertThat(Audit.target(s, colluder.id()).controlled())
        .hasSize((int) s.labelers().stream().filter(l -> l.role() == LabelerSpec.Role.COLLUDER).count());
    LabelerSpec sybil = s.labelers().stream().filter(LabelerSpec::isSybil).findFirst().get();
    assertThat(Audit.target(s, sybil.id()).controlled()).containsExactly(sybil.copies());
    assertThatThrownBy(() -> Audit.target(s, "nobody")).hasMessageContaining("nobody");
    assertThat(Audit.allTargets(Scenarios.paper())).hasSize(10);
  }

  @Test
  void studentTQuantiles() {
    assertThat(Audit.tQuantile975(1)).isCloseTo(12.7062, within(1e-3));
    assertThat(Audit.tQuantile975(2)).isCloseTo(4.3027, within(1e-3));
    assertThat(Audit.tQuantile975(3)).isCloseTo(3.1824, within(5e-3));
    assertThat(Audit.tQuantile975(5)).isCloseTo(2.5706, within(1e-3));
    assertThat(Audit.tQuantile975(10)).isCloseTo(2.2281, within(1e-4));
    assertThat(Audit.tQuantile975(29)).isCloseTo(2.0452, within(1e-4));
    assertThat(Audit.tQuantile975(1000)).isCloseTo(1.9623, within(1e-4));
  }
}
