package dev.feedbackagg.bench.baseline;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.job.FeedbackAggregationJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The baseline of the end-to-end benchmark, "what teams run today": the plain average of an
 * item's preferences, emitted once the item's expected_labels reports are in. Everything around
 * the arithmetic is set up as in the real job (dev.feedbackagg.job.FeedbackAggregationJob): the
 * same Kafka source settings (committed offsets else earliest, read_committed, --bounded stops at
 * the offsets present at start, the same fetch size), the same Avro single-object decoding, a
 * keyBy on (cohort, prompt_id), the same exactly-once transactional KafkaSink (at-least-once when
 * checkpoints are off), the same checkpoint interval, state backend and parallelism options. Its
 * producer keeps Kafka's batching unless told (--producer-property).
 *
 * <p>What it does not do, which the real job does: validation and dead letters, duplicate and
 * late-report checks, event-time order (no watermarks: an item closes on its count alone), item
 * timeouts, the outcomes topic, labeler weights and regret.
 *
 * <p>Runs on a Flink cluster from the jar benchmarks/target/plain-average-job.jar (entry class this
 * one); a leading argument {@code job} is ignored, so that deploy/local/flink.sh's submit with
 * FLINK_ENTRY_CLASS set to this class works too.
 */
public final class PlainAverageJob {

  private PlainAverageJob() {}

  /** The options; the names and defaults follow the real job's. */
  static final class Options {
    String jobName = "plain-average";
    String bootstrapServers = "localhost:9092";
    String reportsTopic = "feedback.reports";
    String aggregatedTopic = "feedback.aggregated";
    String groupId = "plain-average";
    boolean bounded;
    int expectedLabels = 5;
    Duration checkpointInterval = Duration.ofSeconds(10);
    String stateBackend = "hashmap";
    int parallelism;
    String transactionalIdPrefix = "plain-average";
    Duration transactionTimeout = Duration.ofMinutes(10);
    /** The sink producer's extra properties (--producer-property KEY=VALUE; Kafka's defaults else). */
    final Properties producerProperties = new Properties();

    static Options parse(String[] args) {
      Options o = new Options();
      List<String> a = new ArrayList<>(List.of(args));
      if (!a.isEmpty() && a.get(0).equals("job")) {
        a.remove(0);
      }
      for (int i = 0; i < a.size(); i++) {
        String name = a.get(i);
        String value = null;
        int eq = name.indexOf('=');
        if (eq > 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (name.equals("--bounded")) {
          o.bounded = true;
          continue;
        }
        if (name.equals("--help") || name.equals("-h")) {
          throw new IllegalArgumentException(usage());
        }
        if (value == null) {
          if (i + 1 >= a.size()) {
            throw new IllegalArgumentException(name + " needs a value\n" + usage());
          }
          value = a.get(++i);
        }
        switch (name) {
          case "--job-name" -> o.jobName = value;
          case "--bootstrap-servers" -> o.bootstrapServers = value;
          case "--reports-topic" -> o.reportsTopic = value;
          case "--aggregated-topic" -> o.aggregatedTopic = value;
          case "--group-id" -> o.groupId = value;
          case "--expected-labels" -> o.expectedLabels = Integer.parseInt(value);
          case "--checkpoint-interval" -> o.checkpointInterval = duration(value);
          case "--state-backend" -> o.stateBackend = value.toLowerCase(Locale.ROOT);
          case "--parallelism" -> o.parallelism = Integer.parseInt(value);
          case "--transactional-id-prefix" -> o.transactionalIdPrefix = value;
          case "--transaction-timeout" -> o.transactionTimeout = duration(value);
          case "--producer-property" -> {
            int kv = value.indexOf('=');
            if (kv <= 0) {
              throw new IllegalArgumentException("--producer-property: KEY=VALUE, not " + value);
            }
            o.producerProperties.setProperty(value.substring(0, kv), value.substring(kv + 1));
          }
          default -> throw new IllegalArgumentException("unknown option " + name + "\n" + usage());
        }
      }
      if (!o.stateBackend.equals("hashmap") && !o.stateBackend.equals("rocksdb")) {
        throw new IllegalArgumentException("--state-backend: hashmap or rocksdb, not " + o.stateBackend);
      }
      if (o.expectedLabels < 1) {
        throw new IllegalArgumentException("--expected-labels: must be >= 1");
      }
      return o;
    }

    /** 500ms, 5s, 2m, 1h, a bare number of milliseconds, or ISO-8601 (PT5S). */
    static Duration duration(String v) {
      String t = v.trim().toLowerCase(Locale.ROOT);
      if (t.startsWith("pt")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      char unit = t.charAt(t.length() - 1);
      if (Character.isDigit(unit)) {
        return Duration.ofMillis(Long.parseLong(t));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (unit) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException("not a duration: " + v);
      };
    }

    static String usage() {
      return "plain-average job options: --bootstrap-servers B --reports-topic T --aggregated-topic T"
          + " --group-id G [--bounded] [--expected-labels 5] [--checkpoint-interval 10s (0: none,"
          + " at-least-once sink)] [--state-backend hashmap|rocksdb] [--parallelism 0]"
          + " [--transactional-id-prefix P] [--transaction-timeout 10m] [--job-name N]"
          + " [--producer-property KEY=VALUE (repeatable; the sink's producer, Kafka's defaults else)]";
    }
  }

  public static void main(String[] args) throws Exception {
    // Bad options throw (no System.exit: on a cluster that would fail the JobManager, not the run).
    Options o = Options.parse(args);
    StreamExecutionEnvironment env = environment(o);
    build(env, o);
    env.execute(o.jobName);
  }

  /** Checkpointing, state backend and parallelism, as the real job sets them. */
  static StreamExecutionEnvironment environment(Options o) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, o.stateBackend);
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (o.parallelism > 0) {
      env.setParallelism(o.parallelism);
    }
    if (!o.checkpointInterval.isZero()) {
      env.enableCheckpointing(o.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
    }
    return env;
  }

  static void build(StreamExecutionEnvironment env, Options o) {
    KafkaSource<LabelerReport> source = source(o);
    DataStream<LabelerReport> reports =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "reports").uid("reports-source");
    DataStream<AggregatedPreference> averages =
        reports
            .keyBy(new PlainAverage.ItemKey(), TypeInformation.of(String.class))
            .process(new PlainAverage(o.expectedLabels))
            .returns(TypeInformation.of(AggregatedPreference.class))
            .name("plain average")
            .uid("plain-average");
    averages.sinkTo(sink(o)).name("aggregated sink").uid("aggregated-sink");
  }

  static KafkaSource<LabelerReport> source(Options o) {
    var b =
        KafkaSource.<LabelerReport>builder()
            .setBootstrapServers(o.bootstrapServers)
            .setTopics(o.reportsTopic)
            .setGroupId(o.groupId)
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(new ReportDecoder())
            .setProperty("isolation.level", "read_committed")
            // The real job's fetch size (responses below G1's humongous size): a compile-time
            // constant, so this jar needs none of the job's classes.
            .setProperty("fetch.max.bytes", FeedbackAggregationJob.FETCH_MAX_BYTES);
    if (o.bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  static KafkaSink<AggregatedPreference> sink(Options o) {
    Properties producer = new Properties();
    producer.putAll(o.producerProperties);
    producer.setProperty("transaction.timeout.ms", Long.toString(o.transactionTimeout.toMillis()));
    return KafkaSink.<AggregatedPreference>builder()
        .setBootstrapServers(o.bootstrapServers)
        .setRecordSerializer(new AggregatedSerializer(o.aggregatedTopic))
        .setDeliveryGuarantee(
            o.checkpointInterval.isZero() ? DeliveryGuarantee.AT_LEAST_ONCE : DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(o.transactionalIdPrefix + "-aggregated")
        .setKafkaProducerConfig(producer)
        .build();
  }
}
