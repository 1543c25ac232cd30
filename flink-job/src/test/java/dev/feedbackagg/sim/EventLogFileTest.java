package dev.feedbackagg.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.PipelineReference;
import dev.feedbackagg.core.ReportEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An event log survives the file, and the file alone replays to the same reference output. */
class EventLogFileTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} seed {1}")
  @CsvSource({"paper, 21, 500", "crowd, 22, 3000"})
  void roundTripAndReplay(String name, long seed, int items) throws Exception {
    Scenario s = Scenarios.byName(name).withSeed(seed).withItems(items);
    EventLog log = World.generate(s).events();
    Path file = tmp.resolve(name + ".avro");
    EventLogFile.write(file, log, EventLogFile.metadataOf(s));
    EventLog back = EventLogFile.read(file);

    assertThat(back.reports()).hasSameSizeAs(log.reports());
    assertThat(back.outcomes()).hasSameSizeAs(log.outcomes());
    for (int i = 0; i < log.reports().size(); i++) {
      ReportEvent a = log.reports().get(i);
      ReportEvent b = back.reports().get(i);
      assertThat(b.report).as("%s seed %d report %d", name, seed, i).isEqualTo(a.report);
      assertThat(Double.doubleToRawLongBits(b.report.getPreference()))
          .isEqualTo(Double.doubleToRawLongBits(a.report.getPreference()));
      assertThat(List.of(String.valueOf(b.topic), b.partition, b.offset))
          .isEqualTo(List.of(String.valueOf(a.topic), a.partition, a.offset));
    }
    for (int i = 0; i < log.outcomes().size(); i++) {
      OutcomeEvent a = log.outcomes().get(i);
      OutcomeEvent b = back.outcomes().get(i);
      assertThat(b.outcome).as("%s seed %d outcome %d", name, seed, i).isEqualTo(a.outcome);
    }
    assertThat(back.merged()).isEqualTo(log.merged());
    Map<String, String> meta = EventLogFile.metadata(file);
    assertThat(meta).containsEntry(EventLogFile.META_COHORT, s.cohort())
        .containsEntry(EventLogFile.META_SEED, Long.toString(seed));
    assertThat(meta.get(EventLogFile.META_SCENARIO)).isEqualTo(s.describe());

    MechanismConfig c = MechanismConfig.defaults().withMetricsIntervalMs(60_000L);
    PipelineReference ref = new PipelineReference(s.itemPolicy(c.outcomeTimeoutMs()), c);
    PipelineReference.Result fromMemory = ref.run(log.reports(), log.outcomes());
    PipelineReference.Result fromFile = ref.run(back.reports(), back.outcomes());
    assertThat(fromFile.rejections).isEmpty();
    assertThat(fromFile.itemEvents).isEqualTo(fromMemory.itemEvents);
    assertThat(fromFile.mechanism.aggregated).as("%s seed %d", name, seed)
        .isEqualTo(fromMemory.mechanism.aggregated).hasSize(items);
    assertThat(fromFile.mechanism.regret).isEqualTo(fromMemory.mechanism.regret);
    assertThat(fromFile.mechanism.weights).isEqualTo(fromMemory.mechanism.weights);
  }
}
