package dev.feedbackagg.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.PipelineReference;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.io.Decoded;
import dev.feedbackagg.io.InputFormat;
import dev.feedbackagg.io.OutcomeDeserializer;
import dev.feedbackagg.io.ReportDeserializer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random event logs through the whole job on a MiniCluster: every aggregate, weight and
 * regret record equals the reference's bit for bit (compared as their Avro encodings), and the
 * dead letters are exactly the records the decoder and the reference reject, with their reasons.
 */
class JobMatchesReferenceTest {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(4)
              .build());

  static Stream<Arguments> seedsAndParallelism() {
    return IntStream.rangeClosed(1, 20)
        .boxed()
        .flatMap(seed -> Stream.of(1, 2, 4).map(p -> Arguments.of(1000L + seed, p)));
  }

  @ParameterizedTest(name = "seed {0}, parallelism {1}")
  @MethodSource("seedsAndParallelism")
  void jobEqualsReferenceBitForBit(long seed, int parallelism) throws Exception {
    check(seed, JobTestSupport.randomLogConfig(parallelism));
  }

  /** RocksDB serializes every state access: state changed without being written back shows here. */
  @ParameterizedTest(name = "seed {0}, RocksDB")
  @ValueSource(longs = {2001, 2002, 2003})
  void jobOnRocksDbEqualsReferenceBitForBit(long seed) throws Exception {
    check(seed, JobTestSupport.randomLogConfig(2, JobConfig.StateBackend.ROCKSDB));
  }

  private void check(long seed, JobConfig config) throws Exception {
    int parallelism = config.parallelism();
    RandomEventLog log = new RandomEventLog(seed);
    List<Decoded> reports = decode(log.reports, new ReportDeserializer(InputFormat.AVRO));
    List<Decoded> outcomes = decode(log.outcomes, new OutcomeDeserializer(InputFormat.AVRO));

    Expected expected = expected(config, reports, outcomes);
    Actual actual = run(config, reports, outcomes, "seed" + seed + "p" + parallelism + config.stateBackend());

    String ctx = "seed " + seed + ", parallelism " + parallelism + ", " + config.stateBackend();
    assertThat(expected.aggregated).as("the log closes items (%s)", ctx).isNotEmpty();
    assertThat(deadLetterKeys(actual.deadLetters))
        .as("dead letters (%s)", ctx)
        .isEqualTo(expected.deadLetterKeys);
    assertSameRecords(ctx + ", aggregated", actual.aggregated, expected.aggregated, AggregatedPreference::getCohort,
        SingleObjectCodec.of(AggregatedPreference.class)::encode);
    assertSameRecords(ctx + ", regret", actual.regret, expected.regret, RegretMetrics::getCohort,
        SingleObjectCodec.of(RegretMetrics.class)::encode);
    assertSameRecords(ctx + ", weights", actual.weights, expected.weights, LabelerWeight::getCohort,
        SingleObjectCodec.of(LabelerWeight.class)::encode);
  }

  record Expected(
      List<AggregatedPreference> aggregated,
      List<RegretMetrics> regret,
      List<LabelerWeight> weights,
      List<String> deadLetterKeys) {}

  record Actual(
      List<AggregatedPreference> aggregated,
      List<RegretMetrics> regret,
      List<LabelerWeight> weights,
      List<DeadLetter> deadLetters) {}

  static List<Decoded> decode(
      List<ConsumerRecord<byte[], byte[]>> records,
      org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema<Decoded> d)
      throws Exception {
    List<Decoded> out = new ArrayList<>();
    Collector<Decoded> c =
        new Collector<>() {
          @Override
          public void collect(Decoded record) {
            out.add(record);
          }

          @Override
          public void close() {}
        };
    for (ConsumerRecord<byte[], byte[]> r : records) {
      d.deserialize(r, c);
    }
    return out;
  }

  static Expected expected(JobConfig config, List<Decoded> reports, List<Decoded> outcomes) {
    List<ReportEvent> goodReports = new ArrayList<>();
    List<OutcomeEvent> goodOutcomes = new ArrayList<>();
    List<String> deadLetters = new ArrayList<>();
    for (Decoded d : reports) {
      if (d.report != null) {
        goodReports.add(d.report);
      } else {
        deadLetters.add(key(d.deadLetter.getSourceTopic(), d.deadLetter.getSourcePartition(),
            d.deadLetter.getSourceOffset(), d.deadLetter.getReason()));
      }
    }
    for (Decoded d : outcomes) {
      if (d.outcome != null) {
        goodOutcomes.add(d.outcome);
      } else {
        deadLetters.add(key(d.deadLetter.getSourceTopic(), d.deadLetter.getSourcePartition(),
            d.deadLetter.getSourceOffset(), d.deadLetter.getReason()));
      }
    }
    PipelineReference.Result ref =
        new PipelineReference(config.items(), config.mechanism()).run(goodReports, goodOutcomes);
    for (PipelineReference.Rejection r : ref.rejections) {
      if (r.record() instanceof ReportEvent e) {
        deadLetters.add(key(e.topic, e.partition, e.offset, r.reason()));
      } else {
        OutcomeEvent e = (OutcomeEvent) r.record();
        deadLetters.add(key(e.topic, e.partition, e.offset, r.reason()));
      }
    }
    for (ItemEvent e : ref.mechanism.unmatchedOutcomes) {
      deadLetters.add(key(e.outcomeTopic, e.outcomePartition, e.outcomeOffset, DeadLetterReason.NO_ITEM));
    }
    deadLetters.sort(null);
    return new Expected(ref.mechanism.aggregated, ref.mechanism.regret, ref.mechanism.weights, deadLetters);
  }

  static Actual run(JobConfig config, List<Decoded> reports, List<Decoded> outcomes, String name)
      throws Exception {
    StreamExecutionEnvironment env = FeedbackAggregationJob.environment(config);
    TypeInformation<Decoded> type = TypeInformation.of(Decoded.class);
    DataStream<Decoded> r =
        env.fromData(reports, type).assignTimestampsAndWatermarks(JobTestSupport.watermarkAfterEveryRecord(config));
    DataStream<Decoded> o =
        env.fromData(outcomes, type).assignTimestampsAndWatermarks(JobTestSupport.watermarkAfterEveryRecord(config));
    FeedbackAggregationJob.Outputs out = FeedbackAggregationJob.defineWorkflow(r, o, config);
    CollectingSink<AggregatedPreference> aggregated = new CollectingSink<>(name + "-aggregated");
    CollectingSink<RegretMetrics> regret = new CollectingSink<>(name + "-regret");
    CollectingSink<LabelerWeight> weights = new CollectingSink<>(name + "-weights");
    CollectingSink<DeadLetter> dlq = new CollectingSink<>(name + "-dlq");
    out.aggregated().sinkTo(aggregated);
    out.regret().sinkTo(regret);
    out.labelerWeights().sinkTo(weights);
    out.deadLetters().sinkTo(dlq);
    env.execute(name);
    Actual actual = new Actual(aggregated.values(), regret.values(), weights.values(), dlq.values());
    aggregated.discard();
    regret.discard();
    weights.discard();
    dlq.discard();
    return actual;
  }

  static String key(String topic, int partition, long offset, DeadLetterReason reason) {
    return topic + "/" + partition + "/" + offset + ":" + reason;
  }

  static List<String> deadLetterKeys(List<DeadLetter> dlq) {
    return dlq.stream()
        .map(d -> key(d.getSourceTopic(), d.getSourcePartition(), d.getSourceOffset(), d.getReason()))
        .sorted()
        .collect(Collectors.toList());
  }

  /** Per cohort, the same records in the same order, compared by their encoded bytes. */
  static <T> void assertSameRecords(
      String what, List<T> actual, List<T> expected, Function<T, String> cohort, Function<T, byte[]> encode) {
    Map<String, List<String>> a = byCohort(actual, cohort, encode);
    Map<String, List<String>> e = byCohort(expected, cohort, encode);
    assertThat(a.keySet()).as(what + ": cohorts").isEqualTo(e.keySet());
    for (String c : e.keySet()) {
      List<String> ac = a.get(c);
      List<String> ec = e.get(c);
      for (int i = 0; i < Math.min(ac.size(), ec.size()); i++) {
        if (!ac.get(i).equals(ec.get(i))) {
          T act = actual.stream().filter(x -> cohort.apply(x).equals(c)).skip(i).findFirst().orElseThrow();
          T exp = expected.stream().filter(x -> cohort.apply(x).equals(c)).skip(i).findFirst().orElseThrow();
          throw new AssertionError(what + ": cohort " + c + " record " + i + " differs:\n job:       " + act
              + "\n reference: " + exp);
        }
      }
      assertThat(ac.size()).as(what + ": cohort " + c + " record count").isEqualTo(ec.size());
    }
  }

  private static <T> Map<String, List<String>> byCohort(
      List<T> records, Function<T, String> cohort, Function<T, byte[]> encode) {
    Map<String, List<String>> m = new TreeMap<>();
    for (T r : records) {
      m.computeIfAbsent(cohort.apply(r), c -> new ArrayList<>())
          .add(Base64.getEncoder().encodeToString(encode.apply(r)));
    }
    return m;
  }
}
