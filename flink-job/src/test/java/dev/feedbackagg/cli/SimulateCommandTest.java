package dev.feedbackagg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.sim.EventLog;
import dev.feedbackagg.sim.EventLogFile;
import dev.feedbackagg.sim.Scenario;
import dev.feedbackagg.sim.Scenarios;
import dev.feedbackagg.sim.World;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The `simulate` subcommand in-process: reference summary, event log file, Kafka records, bad options. */
class SimulateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KEYS = Set.of("scenario", "cohort", "seed", "items", "T", "N",
      "items_closed", "gold_rate", "outcome_model", "eta", "regret_kind", "best_labeler",
      "loss_best_labeler", "bound_ln_n_over_eta", "slope_min_rounds", "mechanism", "mean", "median",
      "majority");
  private static final Set<String> METHOD_KEYS = Set.of("loss", "regret", "regret_per_round", "slope",
      "slope_points", "max_specialist_regret", "max_specialist_labeler");

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = FeedbackAggregation.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int exit = cmd.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  static Set<String> keys(JsonNode n) {
    Set<String> s = new TreeSet<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      s.add(it.next());
    }
    return s;
  }

  @Test
  void paperJsonMechanismBoundedMeanLinear() throws Exception {
    Run r = run("simulate", "--scenario", "paper", "--seed", "1", "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(keys(j)).isEqualTo(new TreeSet<>(KEYS));
    for (String m : List.of("mechanism", "mean", "median", "majority")) {
      assertThat(keys(j.get(m))).as(m).isEqualTo(new TreeSet<>(METHOD_KEYS));
    }
    assertThat(j.get("N").asLong()).isEqualTo(10);
    assertThat(j.get("T").asLong()).isEqualTo(2000);
    assertThat(j.get("regret_kind").asText()).isEqualTo("best_labeler");
    String msg = "seed 1: " + r.out();
    double bound = 2 * Math.log(10);
    assertThat(j.get("bound_ln_n_over_eta").asDouble()).isCloseTo(bound, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(j.get("mechanism").get("regret").asDouble()).as(msg).isLessThan(bound);
    assertThat(j.get("mean").get("regret").asDouble()).as(msg).isGreaterThan(4 * bound);
    assertThat(j.get("mean").get("slope").asDouble()).as(msg).isBetween(0.85, 1.15);
    assertThat(j.get("mean").get("regret_per_round").asDouble()).as(msg).isGreaterThan(0.005);
  }

  @Test
  void crowdReportsTheMaxSpecialistRegret() throws Exception {
    Run r = run("simulate", "--scenario", "crowd", "--items", "4000", "--seed", "3", "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("regret_kind").asText()).isEqualTo("max_specialist");
    assertThat(j.get("best_labeler").isNull()).isTrue();
    assertThat(j.get("N").asLong()).as("seed 3").isGreaterThan(200);
    assertThat(j.get("mechanism").get("regret").asDouble())
        .isEqualTo(j.get("mechanism").get("max_specialist_regret").asDouble());
  }

  @Test
  void tableAndScenario() {
    Run t = run("simulate", "--scenario", "paper", "--items", "300");
    assertThat(t.exit()).as(t.err()).isZero();
    assertThat(t.out()).contains("mechanism", "mean", "median", "majority", "best labeler", "T = 300");
    Run p = run("simulate", "--scenario", "crowd", "--print-scenario", "--gold-rate", "0.2");
    assertThat(p.exit()).isZero();
    assertThat(p.out()).contains("scenario crowd", "gold rate 0.2", "sybil", "colluder");
  }

  @Test
  void outWritesAReplayableEventLog() throws Exception {
    Path file = tmp.resolve("crowd.avro");
    Run r = run("simulate", "--scenario", "crowd", "--items", "1500", "--seed", "8", "--cohort", "en-chat",
        "--out", file.toString(), "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    EventLog expected = World.generate(Scenarios.crowd().withItems(1500).withSeed(8).withCohort("en-chat")).events();
    assertThat(j.get("reports").asInt()).isEqualTo(expected.reports().size());
    assertThat(j.get("outcomes").asInt()).isEqualTo(expected.outcomes().size());
    EventLog back = EventLogFile.read(file);
    assertThat(back.merged()).as("seed 8").isEqualTo(expected.merged());
    assertThat(back.reports().get(0).report.getCohort()).isEqualTo("en-chat");
  }

  @Test
  void kafkaRecordsAreKeyedSingleObjectEncodedAndInEventTimeOrder() throws Exception {
    Scenario s = Scenarios.paper().withItems(40).withSeed(5);
    EventLog log = World.generate(s).events();
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    long sent = SimulateCommand.send(producer, log, "r-topic", "o-topic", null, SimulateCommand.Pacer.SYSTEM);
    List<ProducerRecord<byte[], byte[]>> history = producer.history();
    assertThat(sent).isEqualTo(history.size()).isEqualTo(log.reports().size() + log.outcomes().size());
    SingleObjectCodec<LabelerReport> rc = SingleObjectCodec.of(LabelerReport.class);
    SingleObjectCodec<PreferenceOutcome> oc = SingleObjectCodec.of(PreferenceOutcome.class);
    List<SpecificRecord> decoded = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> p : history) {
      String key = new String(p.key(), StandardCharsets.UTF_8);
      if (p.topic().equals("r-topic")) {
        LabelerReport rep = rc.decode(p.value());
        assertThat(key).isEqualTo(rep.getPromptId());
        decoded.add(rep);
      } else {
        assertThat(p.topic()).isEqualTo("o-topic");
        PreferenceOutcome o = oc.decode(p.value());
        assertThat(key).isEqualTo(o.getPromptId());
        decoded.add(o);
      }
      assertThat(p.timestamp()).as("broker time, not event time").isNull();
    }
    assertThat(decoded).as("seed 5").isEqualTo(log.merged());
  }

  @Test
  void rateIsPacedWithoutSleepingInTests() throws Exception {
    EventLog log = World.generate(Scenarios.paper().withItems(10)).events();
    long[] clock = {1_000L};
    List<Long> sleeps = new ArrayList<>();
    SimulateCommand.Pacer fake = new SimulateCommand.Pacer() {
      @Override
      public long nanoTime() {
        return clock[0];
      }

      @Override
      public void sleepNanos(long nanos) {
        sleeps.add(nanos);
        clock[0] += nanos;
      }
    };
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    long n = SimulateCommand.send(producer, log, "r", "o", 50.0, fake);
    assertThat(n).isEqualTo(110);
    // Record j is due at j / 50 s: the clock ends at (n - 1) * 20 ms.
    assertThat(clock[0] - 1_000L).isEqualTo((n - 1) * 20_000_000L);
    assertThat(sleeps).hasSize((int) n - 1).allSatisfy(x -> assertThat(x).isEqualTo(20_000_000L));
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "--scenario=nope", "--gold-rate=2", "--eta=0", "--eta=fast", "--items=0", "--delay=0ms",
    "--rate=0", "--regret=worst", "--outcome-model=coin", "--start-time=yesterday", "--loss=hinge"
  })
  void badOptionsExitTwoNamingTheProblem(String arg) {
    Run r = run("simulate", arg);
    assertThat(r.exit()).as(arg + ": " + r.err()).isEqualTo(FeedbackAggregation.EXIT_BAD_INPUT);
    assertThat(r.err()).startsWith("error: ");
  }

  @Test
  void outToAMissingDirectoryFails() {
    Run r = run("simulate", "--items", "5", "--out", tmp.resolve("no/such/dir/x.avro").toString());
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("cannot write");
    assertThat(Files.exists(tmp.resolve("no"))).isFalse();
  }
}
