package dev.feedbackagg.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.sim.LabelerSpec.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The named scenarios have the shape they promise. */
class ScenarioShapeTest {

  @Test
  void paperIsTenLabelersOnEveryItemWithEveryOutcome() {
    long seed = 1;
    Scenario s = Scenarios.paper().withSeed(seed);
    assertThat(s.labelers()).hasSize(10);
    assertThat(s.fullParticipation()).isTrue();
    assertThat(s.goldRate()).isEqualTo(1.0);
    assertThat(s.labelers().stream().filter(l -> l.role() != Role.HONEST).count())
        .as("some strategic").isBetween(3L, 6L);
    World w = World.generate(s);
    EventLog log = w.events();
    Set<String> all = new TreeSet<>();
    s.labelers().forEach(l -> all.add(l.id()));
    Map<String, Set<String>> byItem = new HashMap<>();
    for (ReportEvent r : log.reports()) {
      byItem.computeIfAbsent(r.report.getPromptId(), k -> new TreeSet<>()).add(r.report.getLabelerId());
      assertThat(r.report.getExpectedLabels()).isEqualTo(10);
      assertThat(r.report.getCohort()).isEqualTo("paper");
    }
    assertThat(byItem).hasSize(s.items());
    byItem.forEach((item, ids) -> assertThat(ids).as("seed %d item %s", seed, item).isEqualTo(all));
    assertThat(log.reports()).hasSize(10 * s.items());
    assertThat(log.outcomes()).as("gold rate 1").hasSize(s.items());
    // Labelers differ in accuracy and taste.
    Set<Double> noise = new HashSet<>();
    Set<Double> bias = new HashSet<>();
    for (int i = 0; i < w.labelers(); i++) {
      noise.add(Math.round(w.noiseSd(i) * 100) / 100.0);
      bias.add(Math.round(w.bias(i) * 100) / 100.0);
    }
    assertThat(noise).as("seed %d", seed).hasSizeGreaterThan(4);
    assertThat(bias).as("seed %d", seed).hasSizeGreaterThan(4);
    // The online protocol: each outcome is revealed before the next item's first label.
    for (int k = 0; k + 1 < w.items(); k++) {
      long nextOpens = s.startTimeMs() + (k + 1) * s.itemIntervalMs();
      assertThat(w.revealTime(k)).as("seed %d item %d", seed, k).isLessThan(nextOpens);
      for (int j = 0; j < w.labels(k + 1); j++) {
        assertThat(w.labelTime(k + 1, j)).isGreaterThanOrEqualTo(nextOpens);
      }
    }
    assertThat(s.describe()).contains("paper", "L05", "exaggerate:1", "full participation");
  }

  @Test
  void crowdIsHundredsOfLabelersThreeToFivePerItemTenPercentGold() {
    long seed = 1;
    Scenario s = Scenarios.crowd().withSeed(seed);
    assertThat(s.labelers().size()).isGreaterThanOrEqualTo(200);
    World w = World.generate(s);
    EventLog log = w.events();
    Map<String, List<ReportEvent>> byItem = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (ReportEvent r : log.reports()) {
      byItem.computeIfAbsent(r.report.getPromptId(), k -> new ArrayList<>()).add(r);
      seen.add(r.report.getLabelerId());
    }
    assertThat(seen.size()).as("seed %d: labelers seen", seed).isGreaterThanOrEqualTo(200);
    assertThat(byItem).hasSize(s.items());
    int[] histogram = new int[6];
    for (Map.Entry<String, List<ReportEvent>> e : byItem.entrySet()) {
      int n = e.getValue().size();
      assertThat(n).as("seed %d item %s", seed, e.getKey()).isBetween(3, 5);
      histogram[n]++;
      Set<String> ids = new HashSet<>();
      e.getValue().forEach(r -> ids.add(r.report.getLabelerId()));
      assertThat(ids).as("one label per labeler").hasSize(n);
      e.getValue().forEach(r -> assertThat(r.report.getExpectedLabels()).isEqualTo(n));
    }
    for (int n = 3; n <= 5; n++) {
      assertThat(histogram[n]).as("seed %d: items with %d labels", seed, n).isGreaterThan(s.items() / 5);
    }
    double gold = (double) log.outcomes().size() / s.items();
    assertThat(gold).as("seed %d: gold fraction", seed).isBetween(0.09, 0.11);
    for (OutcomeEvent o : log.outcomes()) {
      assertThat(o.outcome.getOutcome()).isIn(0.0, 1.0);
    }
    // Spammers report uniform noise.
    assertThat(s.labelers().stream().filter(l -> l.role() == Role.SPAMMER))
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l.strategy()).isEqualTo(new Strategy.RandomReport()));
  }

  @Test
  void colludersShareOneTasteAndOneShift() {
    long seed = 4;
    Scenario s = Scenarios.crowd().withSeed(seed).withItems(2000);
    List<LabelerSpec> colluders = s.labelers().stream().filter(l -> l.role() == Role.COLLUDER).toList();
    assertThat(colluders).hasSizeGreaterThanOrEqualTo(3);
    Set<Strategy> strategies = new HashSet<>();
    Set<String> groups = new HashSet<>();
    colluders.forEach(l -> {
      strategies.add(l.strategy());
      groups.add(l.group());
    });
    assertThat(strategies).as("one shift").hasSize(1).allSatisfy(st -> assertThat(st).isInstanceOf(Strategy.Shift.class));
    assertThat(groups).hasSize(1);
    World w = World.generate(s);
    Set<Double> biases = new HashSet<>();
    colluders.forEach(l -> biases.add(w.bias(w.indexOf(l.id()))));
    assertThat(biases).as("seed %d: one taste", seed).hasSize(1);
    // And they report p + delta * sign(b), the same push for every member.
    double delta = ((Strategy.Shift) colluders.get(0).strategy()).delta();
    double sign = Math.signum(biases.iterator().next());
    double[][] reports = w.reports(w.defaultStrategies());
    int checked = 0;
    for (int k = 0; k < w.items(); k++) {
      for (int j = 0; j < w.labels(k); j++) {
        if (w.spec(w.slot(k, j)).role() == Role.COLLUDER) {
          assertThat(reports[k][j]).isEqualTo(Strategy.clip(w.privatePreference(k, j) + delta * sign));
          checked++;
        }
      }
    }
    assertThat(checked).as("seed %d: colluder labels", seed).isGreaterThan(50);
  }

  @Test
  void sybilIdsCopyTheirMaster() {
    long seed = 6;
    Scenario s = Scenarios.crowd().withSeed(seed).withItems(4000);
    List<LabelerSpec> sybils = s.labelers().stream().filter(LabelerSpec::isSybil).toList();
    assertThat(sybils).hasSizeGreaterThanOrEqualTo(5);
    Set<String> masters = new HashSet<>();
    sybils.forEach(l -> masters.add(l.copies()));
    assertThat(masters).as("one master").hasSize(1);
    String master = masters.iterator().next();
    assertThat(s.labeler(master).role()).isEqualTo(Role.SYBIL_MASTER);
    assertThat(s.labeler(master).strategy()).isNotEqualTo(Strategy.TRUTHFUL);
    Set<String> sybilIds = new HashSet<>();
    sybils.forEach(l -> sybilIds.add(l.id()));

    EventLog log = World.generate(s).events();
    Map<String, Map<String, ReportEvent>> byItem = new HashMap<>();
    for (ReportEvent r : log.reports()) {
      byItem.computeIfAbsent(r.report.getPromptId(), k -> new HashMap<>()).put(r.report.getLabelerId(), r);
    }
    int copies = 0;
    int masterItems = 0;
    for (Map.Entry<String, Map<String, ReportEvent>> e : byItem.entrySet()) {
      ReportEvent m = e.getValue().get(master);
      masterItems += m == null ? 0 : 1;
      for (ReportEvent r : e.getValue().values()) {
        if (sybilIds.contains(r.report.getLabelerId())) {
          assertThat(m).as("seed %d item %s: a copy without its master", seed, e.getKey()).isNotNull();
          assertThat(r.report.getPreference()).isEqualTo(m.report.getPreference());
          assertThat(r.time()).isGreaterThan(m.time());
          copies++;
        }
      }
    }
    assertThat(masterItems).as("seed %d", seed).isGreaterThan(20);
    assertThat(copies).as("seed %d: copies per master item", seed).isGreaterThan(masterItems);
  }
}
