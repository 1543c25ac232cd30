package dev.feedbackagg.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.PipelineReference;
import dev.feedbackagg.core.ReportEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The generator is a function of the scenario and its seed, and what it builds agrees with the core. */
class SimulatorTest {

  static Scenario small(String name, long seed) {
    Scenario s = Scenarios.byName(name).withSeed(seed);
    return s.withItems(name.equals("crowd") ? 3000 : 300);
  }

  /** Every field of every record, and the wrappers' origins, in order. */
  static List<String> fingerprint(EventLog log) {
    List<String> out = new ArrayList<>();
    for (ReportEvent r : log.reports()) {
      out.add(r.report + "|" + r.topic + "|" + r.partition + "|" + r.offset + "|"
          + Double.doubleToRawLongBits(r.report.getPreference()));
    }
    for (OutcomeEvent o : log.outcomes()) {
      out.add(o.outcome + "|" + o.topic + "|" + o.partition + "|" + o.offset + "|"
          + Double.doubleToRawLongBits(o.outcome.getOutcome()));
    }
    return out;
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @CsvSource({"paper, 1", "paper, 42", "crowd, 1", "crowd, 7"})
  void sameSeedSameEventsBitForBit(String name, long seed) {
    EventLog a = World.generate(small(name, seed)).events();
    EventLog b = World.generate(small(name, seed)).events();
    assertThat(fingerprint(b)).as("%s seed %d: a second run", name, seed).isEqualTo(fingerprint(a));
    assertThat(b.reports()).hasSameSizeAs(a.reports());
    for (int i = 0; i < a.reports().size(); i++) {
      assertThat(b.reports().get(i).report).as("%s seed %d report %d", name, seed, i)
          .isEqualTo(a.reports().get(i).report);
    }
    EventLog other = World.generate(small(name, seed + 1)).events();
    assertThat(fingerprint(other)).as("%s seed %d vs %d", name, seed, seed + 1).isNotEqualTo(fingerprint(a));
  }

  @Test
  void aShorterRunIsAPrefixOfALongerOne() {
    long seed = 3;
    World shortRun = World.generate(Scenarios.crowd().withSeed(seed).withItems(500));
    World longRun = World.generate(Scenarios.crowd().withSeed(seed).withItems(1500));
    for (int k = 0; k < 500; k++) {
      assertThat(longRun.slots(k)).as("seed %d item %d", seed, k).isEqualTo(shortRun.slots(k));
      assertThat(longRun.outcome(k)).as("seed %d item %d", seed, k).isEqualTo(shortRun.outcome(k));
      for (int j = 0; j < shortRun.labels(k); j++) {
        assertThat(Double.doubleToRawLongBits(longRun.privatePreference(k, j)))
            .isEqualTo(Double.doubleToRawLongBits(shortRun.privatePreference(k, j)));
      }
    }
  }

  @Test
  void strategiesChangeReportsButNotTheWorld() {
    long seed = 5;
    World w = World.generate(Scenarios.paper().withSeed(seed).withItems(200));
    Strategy[] truthful = new Strategy[w.labelers()];
    java.util.Arrays.fill(truthful, Strategy.TRUTHFUL);
    double[][] honest = w.reports(truthful);
    double[][] played = w.reports(w.defaultStrategies());
    int l05 = w.indexOf("L05");
    int l00 = w.indexOf("L00");
    boolean differs = false;
    for (int k = 0; k < w.items(); k++) {
      for (int j = 0; j < w.labels(k); j++) {
        assertThat(honest[k][j]).as("seed %d: truthful report = private preference", seed)
            .isEqualTo(w.privatePreference(k, j));
        if (w.slot(k, j) == l00) {
          assertThat(played[k][j]).isEqualTo(honest[k][j]);
        }
        if (w.slot(k, j) == l05) {
          differs |= played[k][j] != honest[k][j];
          double p = w.privatePreference(k, j);
          assertThat(played[k][j]).isEqualTo(Strategy.clip(p + (p - 0.5)));
        }
      }
    }
    assertThat(differs).as("seed %d: the exaggerator's reports differ from its preferences", seed).isTrue();
  }

  /** The audit's fast path (World.itemEvents) is what core.PipelineReference assembles from the raw events. */
  @ParameterizedTest(name = "{0} seed {1}")
  @CsvSource({"paper, 11", "crowd, 12"})
  void directItemEventsEqualThePipelineReferences(String name, long seed) {
    Scenario s = small(name, seed);
    World w = World.generate(s);
    MechanismConfig c = MechanismConfig.defaults();
    PipelineReference.Result r = new PipelineReference(s.itemPolicy(c.outcomeTimeoutMs()), c)
        .run(w.events().reports(), w.events().outcomes());
    assertThat(r.rejections).as("%s seed %d", name, seed).isEmpty();
    List<ItemEvent> assembled = new ArrayList<>(r.itemEvents);
    List<ItemEvent> direct = new ArrayList<>(w.itemEvents(w.reports(w.defaultStrategies())));
    assembled.sort(ItemEvent.APPLY_ORDER);
    direct.sort(ItemEvent.APPLY_ORDER);
    assertThat(direct).as("%s seed %d", name, seed).isEqualTo(assembled);
  }

  @Test
  void mergedLogIsInEventTimeOrder() {
    EventLog log = World.generate(small("crowd", 9)).events();
    List<SpecificRecord> merged = log.merged();
    assertThat(merged).hasSize(log.reports().size() + log.outcomes().size());
    long prev = Long.MIN_VALUE;
    for (SpecificRecord r : merged) {
      long t = r instanceof dev.feedbackagg.avro.LabelerReport l ? l.getEventTime()
          : ((dev.feedbackagg.avro.PreferenceOutcome) r).getEventTime();
      assertThat(t).as("seed 9").isGreaterThanOrEqualTo(prev);
      prev = t;
    }
  }

  @Test
  void strategiesParseAndPrint() {
    for (String n : List.of("truthful", "exaggerate:0.5", "exaggerate:1", "shift:0.25", "flip", "constant", "random")) {
      assertThat(Strategy.parse(n).name()).isEqualTo(n);
    }
    assertThat(Strategy.parse("Exaggerate")).isEqualTo(new Strategy.Exaggerate(1.0));
    assertThat(new Strategy.Shift(0.2).report(0.5, -0.1, 0)).isEqualTo(0.3);
    assertThat(new Strategy.Flip().report(0.8, 0, 0)).isEqualTo(1.0 - 0.8);
    assertThat(new Strategy.Constant().report(0.5, 0, 0)).isEqualTo(0.0);
    assertThat(new Strategy.Exaggerate(1).report(0.9, 0, 0)).isEqualTo(1.0);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Strategy.parse("lie"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lie");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Strategy.parse("flip:2"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
