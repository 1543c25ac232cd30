package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.cli.FeedbackAggregation;
import dev.feedbackagg.cli.JobCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The demo, scaled down, end to end: the `paper` scenario is sent to a real broker by the
 * `simulate` command, the job runs on a MiniCluster, and the `report` command writes the HTML
 * report from the job's topics. The report's numbers must be the regret topic's.
 */
class DemoIT {
  private static final int ITEMS = 150;

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path workDir;

  private record Run(int code, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = FeedbackAggregation.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void scaledDownDemoReportsWhatTheRegretTopicSays(@InjectMiniCluster MiniCluster cluster) throws Exception {
    String run = "demo-it";
    try (KafkaBroker broker = KafkaBroker.start(workDir)) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopics(2, run + ".reports", run + ".outcomes", run + ".aggregated",
          run + ".labeler-weights", run + ".dlq");
      broker.createTopics(1, run + ".regret");

      Run simulate = cli("simulate", "--scenario", "paper", "--items", Integer.toString(ITEMS),
          "--kafka", bootstrap, "--reports-topic", run + ".reports", "--outcomes-topic", run + ".outcomes");
      assertThat(simulate.code()).as(simulate.err()).isZero();

      JobCommand job = new JobCommand();
      new CommandLine(job).parseArgs("--bootstrap-servers", bootstrap,
          "--reports-topic", run + ".reports", "--outcomes-topic", run + ".outcomes",
          "--aggregated-topic", run + ".aggregated", "--regret-topic", run + ".regret",
          "--weights-topic", run + ".labeler-weights", "--dlq-topic", run + ".dlq",
          "--group-id", run, "--transactional-id-prefix", run, "--job-name", run,
          "--metrics-interval", "1s", "--checkpoint-interval", "1s", "--parallelism", "2",
          "--idleness", "0", "--bounded");
      BoundedJobRun.run(cluster, job.toConfig(), Duration.ofMinutes(3));

      Path out = workDir.resolve("report");
      Run report = cli("report", "--scenario", "paper", "--items", Integer.toString(ITEMS),
          "--bootstrap-servers", bootstrap, "--regret-topic", run + ".regret",
          "--weights-topic", run + ".labeler-weights", "--audit-seeds", "3", "--audit-items", "100",
          "--wait", "1m", "--out", out.toString());
      assertThat(report.code()).as(report.err()).isZero();

      // The regret topic, read independently.
      SingleObjectCodec<RegretMetrics> codec = SingleObjectCodec.of(RegretMetrics.class);
      List<RegretMetrics> regret = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r :
          KafkaIo.readAll(bootstrap, run + ".regret", IsolationLevel.READ_COMMITTED)) {
        regret.add(codec.decode(r.value()));
      }
      RegretMetrics last = regret.get(regret.size() - 1);
      assertThat(last.getEndOfInput()).isTrue();
      assertThat(last.getRounds()).isEqualTo(ITEMS);
      assertThat(last.getLabelers()).isEqualTo(10);

      JsonNode summary = new ObjectMapper().readTree(Files.readString(out.resolve("summary.json")));
      assertThat(summary.get("T").asLong()).isEqualTo(last.getRounds());
      assertThat(summary.get("N").asLong()).isEqualTo(last.getLabelers());
      JsonNode r = summary.get("regret");
      double best = last.getLossBestLabeler();
      assertThat(r.get("mechanism").get("final").asDouble()).isEqualTo(last.getRegret());
      assertThat(r.get("mean").get("final").asDouble()).isEqualTo(last.getLossMean() - best);
      assertThat(r.get("median").get("final").asDouble()).isEqualTo(last.getLossMedian() - best);
      assertThat(r.get("majority").get("final").asDouble()).isEqualTo(last.getLossMajority() - best);
      double maxMechanism = regret.stream().filter(m -> m.getRegret() != null)
          .mapToDouble(RegretMetrics::getRegret).max().orElseThrow();
      assertThat(summary.get("max_mechanism_regret").asDouble()).isEqualTo(maxMechanism);
      assertThat(summary.get("audit").get("verdict").asText()).isIn("TRUTHFUL", "NOT_TRUTHFUL");

      String html = Files.readString(out.resolve("report.html"));
      assertThat(html).contains("data:image/png;base64,", "Truthfulness audit", "Labeler weights");
      assertThat(Files.size(out.resolve("regret.png"))).isGreaterThan(10_000);
      assertThat(Files.size(out.resolve("weights.png"))).isGreaterThan(10_000);
      assertThat(report.out()).contains("mechanism", "mean", "median", "2 ln N");
      System.out.printf("DemoIT: %d items, %d regret snapshots, final regret mechanism %.4f, mean %.4f%n",
          ITEMS, regret.size(), last.getRegret(), last.getLossMean() - best);
    }
  }
}
