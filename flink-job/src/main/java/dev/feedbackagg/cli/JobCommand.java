package dev.feedbackagg.cli;

import dev.feedbackagg.core.Eta;
import dev.feedbackagg.core.ItemPolicy;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.io.InputFormat;
import dev.feedbackagg.job.FeedbackAggregationJob;
import dev.feedbackagg.job.JobConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `job`: the streaming job (ARCHITECTURE.md), also the entry point of `flink run` on a cluster.
 * Every option has a default shown by --help; the README lists them too.
 */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs the streaming job: Kafka reports and outcomes in, aggregates, regret,"
        + " labeler weights and dead letters out, exactly once.")
public final class JobCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--job-name", defaultValue = "feedback-aggregation", description = "Flink job name (default: ${DEFAULT-VALUE}).")
  String jobName;

  @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Option(names = "--reports-topic", defaultValue = "feedback.reports", description = "(default: ${DEFAULT-VALUE})")
  String reportsTopic;

  @Option(names = "--outcomes-topic", defaultValue = "feedback.outcomes", description = "(default: ${DEFAULT-VALUE})")
  String outcomesTopic;

  @Option(names = "--aggregated-topic", defaultValue = "feedback.aggregated", description = "(default: ${DEFAULT-VALUE})")
  String aggregatedTopic;

  @Option(names = "--regret-topic", defaultValue = "feedback.regret", description = "(default: ${DEFAULT-VALUE})")
  String regretTopic;

  @Option(names = "--weights-topic", defaultValue = "feedback.labeler-weights", description = "(default: ${DEFAULT-VALUE})")
  String weightsTopic;

  @Option(names = "--dlq-topic", defaultValue = "feedback.dlq", description = "(default: ${DEFAULT-VALUE})")
  String dlqTopic;

  @Option(names = "--reports-format", defaultValue = "avro", description = "avro (single-object encoding) or json (default: ${DEFAULT-VALUE}).")
  String reportsFormat;

  @Option(names = "--group-id", defaultValue = "feedback-aggregation", description = "Kafka consumer group (default: ${DEFAULT-VALUE}).")
  String groupId;

  @Option(names = "--bounded", description = "Stop after the records present at start (end-of-input snapshot); for replays and benchmarks.")
  boolean bounded;

  @Option(names = "--expected-labels", defaultValue = "5", description = "Labels that close an item when its reports do not say (default: ${DEFAULT-VALUE}).")
  int expectedLabels;

  @Option(names = "--item-timeout", defaultValue = "10m", converter = DurationConverter.class, description = "An item closes this long after its first report (default: ${DEFAULT-VALUE}).")
  Duration itemTimeout;

  @Option(names = "--max-out-of-orderness", defaultValue = "5s", converter = DurationConverter.class, description = "Watermark bound (default: ${DEFAULT-VALUE}).")
  Duration maxOutOfOrderness;

  @Option(names = "--idleness", defaultValue = "30s", converter = DurationConverter.class, description = "A partition idle this long does not hold back the watermark; 0 disables (default: ${DEFAULT-VALUE}).")
  Duration idleness;

  @Option(names = "--watermark-interval", converter = DurationConverter.class, description = "How often the sources emit watermarks, in processing time; inputs wait for the watermark, so this bounds how long they are held (default: 50ms with --state-backend hashmap, 200ms with rocksdb).")
  Duration watermarkInterval;

  /** The watermark interval when none is given: short on the heap, Flink's 200 ms with RocksDB. */
  static Duration defaultWatermarkInterval(JobConfig.StateBackend backend) {
    // Measured in the crowd replay of benchmarks/ (2026-11-27): with the heap backend, 50 ms took
    // the at-least-once latency's p50 from 460 to 361 ms at the same throughput; with RocksDB it
    // cost about a tenth of the throughput (TaskManager CPU 15.9 -> 18.3 s per run).
    return backend == JobConfig.StateBackend.ROCKSDB ? Duration.ofMillis(200) : Duration.ofMillis(50);
  }

  @Option(names = "--outcome-timeout", defaultValue = "7d", converter = DurationConverter.class, description = "A closed item waits this long for its outcome (default: ${DEFAULT-VALUE}).")
  Duration outcomeTimeout;

  @Option(names = "--metrics-interval", defaultValue = "1m", converter = DurationConverter.class, description = "Event-time interval of regret and weight snapshots (default: ${DEFAULT-VALUE}).")
  Duration metricsInterval;

  @Option(names = "--eta", defaultValue = "0.5", description = "Learning rate > 0, or 'paper' = sqrt(8 ln N / T) (default: ${DEFAULT-VALUE}).")
  String eta;

  @Option(names = "--paper-labelers", defaultValue = "10", description = "N for --eta paper (default: ${DEFAULT-VALUE}).")
  long paperLabelers;

  @Option(names = "--paper-horizon", defaultValue = "10000", description = "T for --eta paper (default: ${DEFAULT-VALUE}).")
  long paperHorizon;

  @Option(names = "--loss", defaultValue = "brier", description = "brier, absolute or log (default: ${DEFAULT-VALUE}).")
  String loss;

  @Option(names = "--newcomer-offset", defaultValue = "0", description = "D0, a new labeler's starting specialist loss (default: ${DEFAULT-VALUE}).")
  double newcomerOffset;

  @Option(names = "--min-rounds", defaultValue = "20", description = "Rounds a labeler needs to count in the max specialist regret (default: ${DEFAULT-VALUE}).")
  long minRounds;

  @Option(names = "--checkpoint-interval", defaultValue = "10s", converter = DurationConverter.class, description = "Exactly-once checkpoints; 0 disables them (and makes sinks at-least-once) (default: ${DEFAULT-VALUE}).")
  Duration checkpointInterval;

  @Option(names = "--state-backend", defaultValue = "hashmap", description = "hashmap or rocksdb (default: ${DEFAULT-VALUE}).")
  String stateBackend;

  @Option(names = "--checkpoint-dir", description = "Checkpoint storage URI (default: the cluster's).")
  String checkpointDir;

  @Option(names = "--parallelism", defaultValue = "0", description = "Job parallelism; 0 = the cluster default (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--transactional-id-prefix", defaultValue = "feedback-aggregation", description = "Unique per job on a Kafka cluster (default: ${DEFAULT-VALUE}).")
  String transactionalIdPrefix;

  @Option(names = "--transaction-timeout", defaultValue = "10m", converter = DurationConverter.class, description = "Kafka transaction timeout; below the broker's transaction.max.timeout.ms (default: ${DEFAULT-VALUE}).")
  Duration transactionTimeout;

  @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", description = "Kafka client property for sources and sinks (repeatable), e.g. security.protocol=SASL_SSL.")
  Map<String, String> kafkaProperty = new LinkedHashMap<>();

  @Option(names = "--kafka-properties", paramLabel = "FILE", description = "A properties file of Kafka client properties (read before --kafka-property).")
  Path kafkaPropertiesFile;

  @Option(names = "--print-config", description = "Print the configuration (secrets masked) and exit.")
  boolean printConfig;

  /** The typed configuration; IllegalArgumentException names a bad option and value. */
  public JobConfig toConfig() {
    Map<String, String> kafka = new LinkedHashMap<>();
    if (kafkaPropertiesFile != null) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(kafkaPropertiesFile)) {
        p.load(in);
      } catch (IOException e) {
        throw new IllegalArgumentException("kafka-properties: cannot read " + kafkaPropertiesFile + ": " + e.getMessage(), e);
      }
      p.stringPropertyNames().forEach(k -> kafka.put(k, p.getProperty(k)));
    }
    kafka.putAll(kafkaProperty);
    MechanismConfig mechanism =
        new MechanismConfig(
            Eta.parse(eta, paperLabelers, paperHorizon),
            Loss.parse(loss),
            newcomerOffset,
            minRounds,
            positive("metrics-interval", metricsInterval).toMillis(),
            positive("outcome-timeout", outcomeTimeout).toMillis());
    JobConfig.StateBackend backend = parseEnum(JobConfig.StateBackend.class, "state-backend", stateBackend);
    ItemPolicy items =
        new ItemPolicy(expectedLabels, positive("item-timeout", itemTimeout).toMillis(), outcomeTimeout.toMillis());
    return new JobConfig(
        jobName,
        bootstrapServers,
        new JobConfig.Topics(reportsTopic, outcomesTopic, aggregatedTopic, regretTopic, weightsTopic, dlqTopic),
        parseEnum(InputFormat.class, "reports-format", reportsFormat),
        groupId,
        bounded,
        items,
        mechanism,
        maxOutOfOrderness,
        idleness,
        watermarkInterval != null ? watermarkInterval : defaultWatermarkInterval(backend),
        checkpointInterval,
        backend,
        checkpointDir,
        parallelism,
        transactionalIdPrefix,
        transactionTimeout,
        kafka);
  }

  private static Duration positive(String option, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(option + ": " + d + " must be > 0");
    }
    return d;
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value.trim())) {
        return e;
      }
    }
    throw new IllegalArgumentException(option + ": unknown value '" + value + "'");
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    JobConfig config;
    try {
      config = toConfig();
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return FeedbackAggregation.EXIT_BAD_INPUT;
    }
    if (printConfig) {
      spec.commandLine().getOut().println(config);
      spec.commandLine().getOut().flush();
      return 0;
    }
    FeedbackAggregationJob.run(config);
    return 0;
  }
}
