package dev.feedbackagg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.core.Loss;
import dev.feedbackagg.io.InputFormat;
import dev.feedbackagg.job.FeedbackAggregationJob;
import dev.feedbackagg.job.JobConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The `job` command's options: defaults, pass-through Kafka properties, masked secrets, errors. */
class JobCommandTest {

  private static JobConfig parse(String... args) {
    JobCommand cmd = new JobCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd.toConfig();
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = FeedbackAggregation.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void sinksBatchUnlessTheUserSetsTheBatching() {
    JobConfig defaults = parse("--kafka-property", "security.protocol=SSL");
    Properties p = FeedbackAggregationJob.producerProperties(defaults, defaults.kafkaClientProperties());
    assertThat(p.getProperty("batch.size")).isEqualTo("262144");
    assertThat(p.getProperty("linger.ms")).isEqualTo("20");
    assertThat(p.getProperty("security.protocol")).isEqualTo("SSL");
    assertThat(p.getProperty("transaction.timeout.ms"))
        .isEqualTo(Long.toString(defaults.transactionTimeout().toMillis()));

    JobConfig own = parse("--kafka-property", "batch.size=16384", "--kafka-property", "linger.ms=0");
    Properties q = FeedbackAggregationJob.producerProperties(own, own.kafkaClientProperties());
    assertThat(q.getProperty("batch.size")).isEqualTo("16384");
    assertThat(q.getProperty("linger.ms")).isEqualTo("0");
  }

  @Test
  void sourcesFetchBelowTheHumongousSizeUnlessTheUserSetsTheFetchSize() {
    JobConfig defaults = parse("--kafka-property", "security.protocol=SSL");
    Properties p = FeedbackAggregationJob.consumerProperties(defaults.kafkaClientProperties());
    // Below half of G1's smallest region (1 MiB), the size from which an array is humongous.
    assertThat(Integer.parseInt(p.getProperty("fetch.max.bytes"))).isEqualTo(448 * 1024).isLessThan(512 * 1024);
    assertThat(p.getProperty("security.protocol")).isEqualTo("SSL");

    JobConfig own = parse("--kafka-property", "fetch.max.bytes=52428800");
    Properties q = FeedbackAggregationJob.consumerProperties(own.kafkaClientProperties());
    assertThat(q.getProperty("fetch.max.bytes")).isEqualTo("52428800");
  }

  @Test
  void theWatermarkIntervalIsShortOnTheHeapAndFlinksWithRocksDb() {
    assertThat(parse().watermarkInterval()).isEqualTo(Duration.ofMillis(50));
    assertThat(parse("--state-backend", "rocksdb").watermarkInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(parse("--state-backend", "rocksdb", "--watermark-interval", "20ms").watermarkInterval())
        .isEqualTo(Duration.ofMillis(20));
  }

  @Test
  void theWatermarkIntervalReachesTheEnvironment() {
    JobConfig c = parse("--watermark-interval", "20ms", "--checkpoint-interval", "0");
    assertThat(c.watermarkInterval()).isEqualTo(Duration.ofMillis(20));
    assertThat(FeedbackAggregationJob.environment(c).getConfig().getAutoWatermarkInterval()).isEqualTo(20);
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    JobConfig c = parse();
    assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(c.topics()).isEqualTo(JobConfig.Topics.defaults());
    assertThat(c.topics().deadLetters()).isEqualTo("feedback.dlq");
    assertThat(c.reportsFormat()).isEqualTo(InputFormat.AVRO);
    assertThat(c.items().defaultExpectedLabels()).isEqualTo(5);
    assertThat(c.items().itemTimeoutMs()).isEqualTo(Duration.ofMinutes(10).toMillis());
    assertThat(c.mechanism().eta()).isEqualTo(0.5);
    assertThat(c.mechanism().loss()).isEqualTo(Loss.BRIER);
    assertThat(c.mechanism().newcomerOffset()).isEqualTo(0.0);
    assertThat(c.mechanism().minRounds()).isEqualTo(20);
    assertThat(c.mechanism().metricsIntervalMs()).isEqualTo(60_000);
    assertThat(c.mechanism().outcomeTimeoutMs()).isEqualTo(Duration.ofDays(7).toMillis());
    assertThat(c.maxOutOfOrderness()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.idleness()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.watermarkInterval()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.stateBackend()).isEqualTo(JobConfig.StateBackend.HASHMAP);
    assertThat(c.transactionTimeout()).isLessThan(Duration.ofMinutes(15));
    assertThat(c.bounded()).isFalse();
  }

  @Test
  void helpShowsEveryDefault() {
    Run r = run("job", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("--bootstrap-servers", "localhost:9092", "feedback.reports", "feedback.labeler-weights",
            "--eta", "0.5", "--loss", "brier", "--outcome-timeout", "7d", "--checkpoint-interval", "10s",
            "--state-backend", "hashmap", "--kafka-property", "--kafka-properties",
            "--watermark-interval", "50ms with");
  }

  @Test
  void optionsReachTheConfig() {
    JobConfig c = parse("--eta", "paper", "--paper-labelers", "10", "--paper-horizon", "1000",
        "--loss", "log", "--state-backend", "rocksdb", "--reports-format", "json",
        "--item-timeout", "90s", "--metrics-interval", "PT30S", "--parallelism", "4");
    assertThat(c.mechanism().eta()).isEqualTo(Math.sqrt(8 * Math.log(10) / 1000));
    assertThat(c.mechanism().loss()).isEqualTo(Loss.LOG);
    assertThat(c.stateBackend()).isEqualTo(JobConfig.StateBackend.ROCKSDB);
    assertThat(c.reportsFormat()).isEqualTo(InputFormat.JSON);
    assertThat(c.items().itemTimeoutMs()).isEqualTo(90_000);
    assertThat(c.mechanism().metricsIntervalMs()).isEqualTo(30_000);
    assertThat(c.parallelism()).isEqualTo(4);
    JobConfig zero = parse("--idleness", "0", "--checkpoint-interval", "0");
    assertThat(zero.idleness()).isZero();
    assertThat(zero.checkpointInterval()).isZero();
  }

  @Test
  void kafkaPropertiesPassThroughAndSecretsAreMasked(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("client.properties");
    Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
        + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"u\" password=\"hunter2\";\nssl.truststore.password=trustme\n");
    JobConfig c = parse("--kafka-properties", file.toString(), "--kafka-property", "sasl.mechanism=SCRAM-SHA-512",
        "--kafka-property", "client.id=labels");
    assertThat(c.kafkaClientProperties())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512") // the command line wins over the file
        .containsEntry("client.id", "labels")
        .containsEntry("ssl.truststore.password", "trustme");
    assertThat(c.toString()).doesNotContain("hunter2", "trustme").contains("SASL_SSL", "******");

    Run printed = run("job", "--kafka-properties", file.toString(), "--print-config");
    assertThat(printed.code()).isZero();
    assertThat(printed.out()).contains("SASL_SSL").doesNotContain("hunter2", "trustme");
  }

  @Test
  void badOptionsExitWithCodeTwoAndNameTheOption() {
    Run eta = run("job", "--eta", "-1", "--print-config");
    assertThat(eta.code()).isEqualTo(2);
    assertThat(eta.err()).contains("eta").contains("-1");
    Run backend = run("job", "--state-backend", "memory", "--print-config");
    assertThat(backend.code()).isEqualTo(2);
    assertThat(backend.err()).contains("state-backend").contains("memory");
    Run duration = run("job", "--item-timeout", "soon", "--print-config");
    assertThat(duration.code()).isEqualTo(2);
    assertThat(duration.err()).contains("soon");
    Run watermarks = run("job", "--watermark-interval", "0", "--print-config");
    assertThat(watermarks.code()).isEqualTo(2);
    assertThat(watermarks.err()).contains("watermark-interval");
    Run tx = run("job", "--checkpoint-interval", "20m", "--transaction-timeout", "10m", "--print-config");
    assertThat(tx.code()).isEqualTo(2);
    assertThat(tx.err()).contains("transaction-timeout");
  }
}
