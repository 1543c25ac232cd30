package dev.feedbackagg.job;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.io.AvroKafkaSerializer;
import dev.feedbackagg.io.Decoded;
import dev.feedbackagg.io.InputFormat;
import dev.feedbackagg.io.OutcomeDeserializer;
import dev.feedbackagg.io.ReportDeserializer;
import dev.feedbackagg.job.operators.DeadLetterCounter;
import dev.feedbackagg.job.operators.EventKey;
import dev.feedbackagg.job.operators.ItemWindow;
import dev.feedbackagg.job.operators.Mechanism;
import dev.feedbackagg.job.operators.SplitDecoded;
import dev.feedbackagg.job.types.EventTypes;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The streaming job of ARCHITECTURE.md. {@link #run} builds the real Kafka sources and sinks;
 * {@link #defineWorkflow} builds the topology from whatever streams it is given, so that tests
 * feed it bounded sources and collect its outputs.
 */
public final class FeedbackAggregationJob {
  private FeedbackAggregationJob() {}

  /**
   * The outputs of the topology: the Mechanism's aggregates and labeler weights in one stream
   * (what the job's one sink for both topics reads), its regret snapshots, and the dead letters of
   * every stage.
   */
  public record Outputs(
      DataStream<Either<AggregatedPreference, LabelerWeight>> results,
      DataStream<RegretMetrics> regret,
      DataStream<DeadLetter> deadLetters) {

    /** The aggregates alone, split from the results by an operator that each call adds. */
    public DataStream<AggregatedPreference> aggregated() {
      return side(true, AggregatedPreference.class, "aggregated");
    }

    /** The labeler weights alone, split from the results by an operator that each call adds. */
    public DataStream<LabelerWeight> labelerWeights() {
      return side(false, LabelerWeight.class, "labeler weights");
    }

    private <T> DataStream<T> side(boolean left, Class<T> type, String name) {
      return results
          .flatMap((Either<AggregatedPreference, LabelerWeight> r, Collector<T> out) -> {
            if (r.isLeft() == left) {
              out.collect(type.cast(left ? r.left() : r.right()));
            }
          })
          .returns(TypeInformation.of(type))
          .name(name);
    }
  }

  /** Event time of a decoded record; dead letters never move the watermark. */
  public static WatermarkStrategy<Decoded> watermarks(JobConfig config) {
    WatermarkStrategy<Decoded> s =
        WatermarkStrategy.<Decoded>forBoundedOutOfOrderness(config.maxOutOfOrderness())
            .withTimestampAssigner((d, kafkaTimestamp) -> eventTime(d));
    return config.idleness().isZero() ? s : s.withIdleness(config.idleness());
  }

  /** A decoded record's event time; Long.MIN_VALUE for a dead letter, so that it moves nothing. */
  public static long eventTime(Decoded d) {
    if (d.report != null) {
      return d.report.time();
    }
    return d.outcome != null ? d.outcome.time() : Long.MIN_VALUE;
  }

  /**
   * The topology: split good records from dead letters, ItemWindow keyed by (cohort, prompt),
   * Mechanism keyed by cohort, and one stream of dead letters from every stage.
   *
   * @param reports decoded reports with timestamps and watermarks
   * @param outcomes decoded outcomes with timestamps and watermarks
   */
  public static Outputs defineWorkflow(
      DataStream<Decoded> reports, DataStream<Decoded> outcomes, JobConfig config) {
    SingleOutputStreamOperator<ReportEvent> goodReports =
        reports
            .process(new SplitDecoded.Reports())
            .returns(EventTypes.REPORT)
            .name("validate reports")
            .uid("validate-reports");
    SingleOutputStreamOperator<OutcomeEvent> goodOutcomes =
        outcomes
            .process(new SplitDecoded.Outcomes())
            .returns(EventTypes.OUTCOME)
            .name("validate outcomes")
            .uid("validate-outcomes");

    SingleOutputStreamOperator<ItemEvent> items =
        goodReports
            .connect(goodOutcomes)
            .keyBy(EventKey.reportItem(), EventKey.outcomeItem(), TypeInformation.of(String.class))
            .transform("ItemWindow", EventTypes.ITEM, new ItemWindow(config.items()))
            .uid("item-window");

    SingleOutputStreamOperator<Either<AggregatedPreference, LabelerWeight>> results =
        items
            .keyBy(EventKey.cohort(), TypeInformation.of(String.class))
            .transform("Mechanism", Mechanism.RESULTS, new Mechanism(config.mechanism()))
            .uid("mechanism");

    DataStream<DeadLetter> deadLetters =
        goodReports
            .getSideOutput(SplitDecoded.DEAD_LETTERS)
            .union(
                goodOutcomes.getSideOutput(SplitDecoded.DEAD_LETTERS),
                items.getSideOutput(ItemWindow.DEAD_LETTERS),
                results.getSideOutput(Mechanism.DEAD_LETTERS))
            .map(new DeadLetterCounter())
            .returns(TypeInformation.of(DeadLetter.class))
            // Dead letters are few: one subtask counts them and one transactional producer writes
            // them (not one per subtask, each starting, flushing and committing at every
            // checkpoint). A flood of bad input still goes through it at the producer's speed.
            .setParallelism(1)
            .name("count dead letters")
            .uid("count-dead-letters");

    return new Outputs(results, results.getSideOutput(Mechanism.REGRET), deadLetters);
  }

  /** Checkpointing, state backend and parallelism of the job. */
  public static StreamExecutionEnvironment environment(JobConfig config) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, config.stateBackend().flinkName());
    conf.set(PipelineOptions.GENERIC_TYPES, false); // no type may fall back to Kryo
    // Chained operators hand records over without a deep copy. Safe here: every operator makes
    // new output objects and never changes one after emitting it, and records that cross the
    // network are deserialized into new objects.
    conf.set(PipelineOptions.OBJECT_REUSE, true);
    // Inputs wait in ItemWindow and the Mechanism until the watermark passes their time, so the
    // interval at which the sources emit watermarks (Flink's default: 200 ms) bounds how long they
    // are held. At full speed, 200 ms is a lot of input: in the crowd replay of benchmarks/, a heap
    // histogram in mid-run found 190,000 reports waiting (10,000 to 28,000 with 20 ms), long enough
    // to survive a young collection and be copied.
    conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, config.watermarkInterval());
    if (config.checkpointDir() != null && !config.checkpointDir().isEmpty()) {
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir());
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (config.parallelism() > 0) {
      env.setParallelism(config.parallelism());
    }
    if (!config.checkpointInterval().isZero()) {
      env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
    }
    return env;
  }

  /** Builds the job on Kafka and runs it (blocks until it ends, which a bounded job does). */
  public static void run(JobConfig config) throws Exception {
    StreamExecutionEnvironment env = environment(config);
    Properties kafka = config.kafkaClientProperties();

    DataStream<Decoded> reports =
        env.fromSource(
                source(config, config.topics().reports(), new ReportDeserializer(config.reportsFormat()), kafka),
                watermarks(config),
                "reports")
            .uid("reports-source");
    DataStream<Decoded> outcomes =
        env.fromSource(
                source(config, config.topics().outcomes(), new OutcomeDeserializer(InputFormat.AVRO), kafka),
                watermarks(config),
                "outcomes")
            .uid("outcomes-source");

    Outputs out = defineWorkflow(reports, outcomes, config);
    // Aggregates and weights through one sink: one transactional producer per Mechanism subtask
    // for both topics, so a checkpoint commits both in one transaction, and there is one writer
    // (not two) to start, flush at every checkpoint and commit. In the crowd replay of benchmarks/,
    // the weights are about a third as many records as the aggregates.
    out.results()
        .sinkTo(sink(config, "aggregated",
            AvroKafkaSerializer.results(config.topics().aggregated(), config.topics().labelerWeights()), kafka))
        .name("aggregated and weights sink")
        .uid("aggregated-sink");
    // The regret snapshots are few (one per cohort and metrics interval): one sink subtask, so
    // one transactional producer instead of one per Mechanism subtask, each committing a
    // transaction at every checkpoint. A cohort's records come from one Mechanism subtask through
    // one channel: their order is kept.
    out.regret()
        .sinkTo(sink(config, "regret", AvroKafkaSerializer.regret(config.topics().regret()), kafka))
        .setParallelism(1)
        .name("regret sink")
        .uid("regret-sink");
    out.deadLetters()
        .sinkTo(sink(config, "dlq", AvroKafkaSerializer.deadLetters(config.topics().deadLetters()), kafka))
        .setParallelism(1)
        .name("dead letter sink")
        .uid("dead-letter-sink");
    env.execute(config.jobName());
  }

  private static KafkaSource<Decoded> source(
      JobConfig config,
      String topic,
      org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema<Decoded> deserializer,
      Properties kafka) {
    var b =
        KafkaSource.<Decoded>builder()
            .setBootstrapServers(config.bootstrapServers())
            .setTopics(topic)
            .setGroupId(config.groupId())
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(deserializer)
            .setProperties(consumerProperties(kafka))
            // Input written by transactional producers: only committed records are real.
            .setProperty("isolation.level", "read_committed");
    if (config.bounded()) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  /** The most a fetch response of the sources may carry, unless the user set fetch.max.bytes. */
  public static final String FETCH_MAX_BYTES = "458752";

  /**
   * The sources' consumer properties: this job's fetch size, then the user's Kafka client
   * properties (which win). The consumer reads each fetch response into one new array; with
   * Kafka's default (up to 50 MiB a response, 1 MiB per partition) a reader of two partitions gets
   * arrays of about 2 MiB, and G1 allocates an array of half a heap region or more (512 KiB with
   * the 1 MiB regions of heaps under 2 GiB) as a humongous object, straight in the old generation,
   * where each can start a young collection and a concurrent cycle that marks every state object
   * on the heap. 448 KiB keeps a response below that; at this job's rate it is still one fetch per
   * several thousand reports (in the crowd replay of benchmarks/, the TaskManager's GC threads
   * used about a third less CPU: 0.8 s per run instead of 1.1 to 1.2 s).
   */
  public static Properties consumerProperties(Properties kafka) {
    Properties consumer = new Properties();
    consumer.setProperty("fetch.max.bytes", FETCH_MAX_BYTES);
    consumer.putAll(kafka);
    return consumer;
  }

  /** Producer batches of up to 256 KiB (Kafka's default: 16 KiB), unless the user set batch.size. */
  public static final String BATCH_SIZE = "262144";

  /** How long a producer waits to fill a batch (Kafka's default: 5 ms), unless the user set linger.ms. */
  public static final String LINGER_MS = "20";

  /**
   * The sinks' producer properties: this job's batching defaults, then the user's Kafka client
   * properties (which win), then the transaction timeout. The sinks write several hundred thousand
   * records per second at full speed (an aggregate per item, a weight per changed labeler per
   * metrics interval): with Kafka's 16 KiB batches that is a batch every hundred or so records
   * per partition, and the per-batch work adds up in the producer and in the broker (in the crowd
   * replay of benchmarks/, larger batches saved about 7 % of the TaskManager's CPU and a quarter of
   * the broker's). Records wait at most linger.ms for their batch when the input is slow.
   */
  public static Properties producerProperties(JobConfig config, Properties kafka) {
    Properties producer = new Properties();
    producer.setProperty("batch.size", BATCH_SIZE);
    producer.setProperty("linger.ms", LINGER_MS);
    producer.putAll(kafka);
    producer.setProperty(
        "transaction.timeout.ms", Long.toString(config.transactionTimeout().toMillis()));
    return producer;
  }

  private static <T> KafkaSink<T> sink(
      JobConfig config,
      String name,
      org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema<T> serializer,
      Properties kafka) {
    Properties producer = producerProperties(config, kafka);
    return KafkaSink.<T>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(
            config.checkpointInterval().isZero()
                ? DeliveryGuarantee.AT_LEAST_ONCE
                : DeliveryGuarantee.EXACTLY_ONCE)
        // The connector's default transaction naming (INCREMENTING: a new transactional id per
        // checkpoint, lingering ones aborted by probing). POOLING was 3 % faster in the crowd replay
        // of benchmarks/, but with connector 5.0.0-2.2 each sink writer's abort-by-listing leaves an
        // Admin client thread running after the job ends, which pins the job's class loader: a
        // session-cluster TaskManager ran out of metaspace after seven runs, and every restart of a
        // long-running job would leak the same.
        .setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + name)
        .setKafkaProducerConfig(producer)
        .build();
  }
}
