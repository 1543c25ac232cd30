package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.avro.wire.WireFormatException;
import dev.feedbackagg.cli.JobCommand;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.PipelineReference;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.io.Decoded;
import dev.feedbackagg.io.InputFormat;
import dev.feedbackagg.io.OutcomeDeserializer;
import dev.feedbackagg.io.ReportDeserializer;
import dev.feedbackagg.job.JobConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import picocli.CommandLine;

/**
 * What the job should have written, computed from the input records as they are stored in Kafka
 * (decoded by the job's own deserializers, good records replayed through {@link PipelineReference}),
 * and what it did write, read back from the output topics with read_committed; plus the checks
 * that compare the two record by record (as encoded bytes).
 */
final class ReferenceCheck {
    static final SingleObjectCodec<AggregatedPreference> AGGREGATED = SingleObjectCodec.of(AggregatedPreference.class);
    static final SingleObjectCodec<RegretMetrics> REGRET = SingleObjectCodec.of(RegretMetrics.class);
    static final SingleObjectCodec<LabelerWeight> WEIGHTS = SingleObjectCodec.of(LabelerWeight.class);
    static final SingleObjectCodec<DeadLetter> DLQ = SingleObjectCodec.of(DeadLetter.class);
    static final SingleObjectCodec<PreferenceOutcome> OUTCOME = SingleObjectCodec.of(PreferenceOutcome.class);

    private ReferenceCheck() {}

    /** A JobConfig built exactly as the `job` command builds it from its options. */
    static JobConfig jobConfig(String... args) {
        JobCommand command = new JobCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    /** A dead letter's identity: where the rejected record was read, and why. */
    record DeadLetterKey(String topic, int partition, long offset, DeadLetterReason reason)
            implements Comparable<DeadLetterKey> {
        private static final Comparator<DeadLetterKey> ORDER = Comparator.comparing(DeadLetterKey::topic)
                .thenComparingInt(DeadLetterKey::partition)
                .thenComparingLong(DeadLetterKey::offset)
                .thenComparing(DeadLetterKey::reason);

        static DeadLetterKey of(DeadLetter d) {
            return new DeadLetterKey(d.getSourceTopic(), d.getSourcePartition(), d.getSourceOffset(), d.getReason());
        }

        @Override
        public int compareTo(DeadLetterKey o) {
            return ORDER.compare(this, o);
        }

        @Override
        public String toString() {
            return topic + "/" + partition + "/" + offset + ":" + reason;
        }
    }

    /** The input as stored, decoded, and the reference's answer for it. */
    static final class Expected {
        final List<ConsumerRecord<byte[], byte[]>> inputRecords = new ArrayList<>();
        final List<ReportEvent> goodReports = new ArrayList<>();
        final List<OutcomeEvent> goodOutcomes = new ArrayList<>();
        /** Dead letters of the deserializers (MALFORMED, UNKNOWN_SCHEMA, OUT_OF_RANGE, ...). */
        final List<DeadLetterKey> decoderDeadLetters = new ArrayList<>();
        /** Every dead letter the job must write, sorted (a multiset). */
        final List<DeadLetterKey> deadLetters = new ArrayList<>();
        PipelineReference.Result reference;

        private Map<String, ConsumerRecord<byte[], byte[]>> byPosition;

        ConsumerRecord<byte[], byte[]> input(String topic, int partition, long offset) {
            if (byPosition == null || byPosition.size() != inputRecords.size()) {
                byPosition = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : inputRecords) {
                    byPosition.put(r.topic() + "/" + r.partition() + "/" + r.offset(), r);
                }
            }
            return byPosition.get(topic + "/" + partition + "/" + offset);
        }
    }

    /** Reads both input topics back from Kafka (read_committed, as the job does) and runs the reference. */
    static Expected expected(String bootstrap, JobConfig config) {
        Expected e = new Expected();
        ReportDeserializer reports = new ReportDeserializer(InputFormat.AVRO);
        OutcomeDeserializer outcomes = new OutcomeDeserializer(InputFormat.AVRO);
        List<Decoded> decoded = new ArrayList<>();
        Collector<Decoded> into = new Collector<>() {
            @Override
            public void collect(Decoded d) {
                decoded.add(d);
            }

            @Override
            public void close() {}
        };
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIo.readAll(bootstrap, config.topics().reports(), IsolationLevel.READ_COMMITTED)) {
            e.inputRecords.add(r);
            reports.deserialize(r, into);
        }
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaIo.readAll(bootstrap, config.topics().outcomes(), IsolationLevel.READ_COMMITTED)) {
            e.inputRecords.add(r);
            outcomes.deserialize(r, into);
        }
        assertThat(decoded).as("one Decoded per input record").hasSameSizeAs(e.inputRecords);
        for (Decoded d : decoded) {
            if (d.report != null) {
                e.goodReports.add(d.report);
            } else if (d.outcome != null) {
                e.goodOutcomes.add(d.outcome);
            } else {
                e.decoderDeadLetters.add(DeadLetterKey.of(d.deadLetter));
            }
        }
        e.decoderDeadLetters.sort(null);
        e.reference = new PipelineReference(config.items(), config.mechanism()).run(e.goodReports, e.goodOutcomes);
        e.deadLetters.addAll(e.decoderDeadLetters);
        for (PipelineReference.Rejection r : e.reference.rejections) {
            if (r.record() instanceof ReportEvent rep) {
                e.deadLetters.add(new DeadLetterKey(rep.topic, rep.partition, rep.offset, r.reason()));
            } else {
                OutcomeEvent o = (OutcomeEvent) r.record();
                e.deadLetters.add(new DeadLetterKey(o.topic, o.partition, o.offset, r.reason()));
            }
        }
        for (ItemEvent u : e.reference.mechanism.unmatchedOutcomes) {
            e.deadLetters.add(new DeadLetterKey(u.outcomeTopic, u.outcomePartition, u.outcomeOffset,
                    DeadLetterReason.NO_ITEM));
        }
        e.deadLetters.sort(null);
        return e;
    }

    /** One output record: as stored (raw bytes, partition, offset) and decoded. */
    record Out<T>(ConsumerRecord<byte[], byte[]> raw, T value) {}

    /** The four output topics, read with read_committed. */
    static final class Actual {
        final List<Out<AggregatedPreference>> aggregated;
        final List<Out<RegretMetrics>> regret;
        final List<Out<LabelerWeight>> weights;
        final List<Out<DeadLetter>> deadLetters;

        Actual(String bootstrap, JobConfig.Topics topics) {
            aggregated = read(bootstrap, topics.aggregated(), AGGREGATED);
            regret = read(bootstrap, topics.regret(), REGRET);
            weights = read(bootstrap, topics.labelerWeights(), WEIGHTS);
            deadLetters = read(bootstrap, topics.deadLetters(), DLQ);
        }

        int records() {
            return aggregated.size() + regret.size() + weights.size() + deadLetters.size();
        }

        private static <T extends org.apache.avro.specific.SpecificRecord> List<Out<T>> read(
                String bootstrap, String topic, SingleObjectCodec<T> codec) {
            List<Out<T>> out = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : KafkaIo.readAll(bootstrap, topic, IsolationLevel.READ_COMMITTED)) {
                try {
                    out.add(new Out<>(r, codec.decode(r.value())));
                } catch (WireFormatException e) {
                    throw new AssertionError("output record " + topic + "/" + r.partition() + "/" + r.offset()
                            + " is not a " + codec.type().getSimpleName() + ": " + e.getMessage(), e);
                }
            }
            return out;
        }
    }

    /**
     * Checks that nothing is left in an open transaction on the output topics: with read_committed
     * the end offset of a partition is its last stable offset, which is below the high watermark
     * while a transaction is open on it. The markers of the last commit may still be on their way,
     * so it first waits for them, up to {@link KafkaIo#CLIENT_TIMEOUT}.
     */
    static void assertNoOpenTransactions(String bootstrap, JobConfig.Topics topics) {
        for (String topic : List.of(topics.aggregated(), topics.regret(), topics.labelerWeights(), topics.deadLetters())) {
            KafkaIo.awaitNoOpenTransactions(bootstrap, topic);
            assertThat(KafkaIo.endOffsets(bootstrap, topic, IsolationLevel.READ_COMMITTED))
                    .as("last stable offsets of %s equal its high watermarks (no open transaction)", topic)
                    .isEqualTo(KafkaIo.endOffsets(bootstrap, topic, IsolationLevel.READ_UNCOMMITTED));
        }
    }

    /** Aggregates, regret snapshots and weights equal the reference's, bit for bit, per cohort in order. */
    static void assertOutputsEqualReference(Expected e, Actual a) {
        assertThat(e.reference.mechanism.aggregated).as("the reference closes items").isNotEmpty();

        // Keys as ARCHITECTURE.md says.
        for (Out<AggregatedPreference> o : a.aggregated) {
            assertThat(key(o)).as("key of aggregated %s", o.value()).isEqualTo(o.value().getPromptId());
        }
        for (Out<RegretMetrics> o : a.regret) {
            assertThat(key(o)).as("key of regret %s", o.value()).isEqualTo(o.value().getCohort());
        }
        for (Out<LabelerWeight> o : a.weights) {
            assertThat(key(o)).as("key of weight %s", o.value())
                    .isEqualTo(o.value().getCohort() + "/" + o.value().getLabelerId());
        }
        // Within a partition, the records of one key (or cohort) come in their order.
        assertOrderedWithinPartitions("aggregated", a.aggregated, AggregatedPreference::getCohort,
                AggregatedPreference::getSequence);
        assertOrderedWithinPartitions("regret", a.regret, RegretMetrics::getCohort, RegretMetrics::getSnapshotTime);
        assertOrderedWithinPartitions("weights", a.weights, w -> w.getCohort() + "/" + w.getLabelerId(),
                LabelerWeight::getSnapshotTime);

        // The end-of-input snapshot, written in the job's last transaction, is committed for every cohort.
        Map<String, RegretMetrics> lastSnapshot = new TreeMap<>();
        for (Out<RegretMetrics> o : a.regret) {
            lastSnapshot.merge(o.value().getCohort().toString(), o.value(),
                    (x, y) -> x.getSnapshotTime() >= y.getSnapshotTime() ? x : y);
        }
        assertThat(lastSnapshot.values()).as("last regret snapshot of each cohort")
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.getEndOfInput()).as("end_of_input of %s", r).isTrue());

        // Per cohort, in the order of the reference: by sequence, by snapshot time, by (snapshot, labeler).
        assertSameRecords("aggregated", a.aggregated, e.reference.mechanism.aggregated,
                AggregatedPreference::getCohort, Comparator.comparingLong(AggregatedPreference::getSequence),
                AGGREGATED::encode);
        assertSameRecords("regret", a.regret, e.reference.mechanism.regret, RegretMetrics::getCohort,
                Comparator.comparingLong(RegretMetrics::getSnapshotTime), REGRET::encode);
        assertSameRecords("labeler weights", a.weights, e.reference.mechanism.weights, LabelerWeight::getCohort,
                Comparator.comparingLong(LabelerWeight::getSnapshotTime)
                        .thenComparing(w -> w.getLabelerId().toString()),
                WEIGHTS::encode);
    }

    /**
     * The DLQ holds exactly the expected dead letters (multiset of source topic, partition, offset,
     * reason), each keyed by its record's original key and carrying its original bytes (re-encoded
     * records are byte-identical to the input, which was written with the same schema), except that
     * an outcome the mechanism had no pending item for is rebuilt with source GOLD.
     */
    static void assertDeadLetters(Expected e, Actual a) {
        List<DeadLetterKey> actual = a.deadLetters.stream().map(o -> DeadLetterKey.of(o.value()))
                .sorted().collect(Collectors.toList());
        if (!actual.equals(e.deadLetters)) {
            List<DeadLetterKey> missing = minus(e.deadLetters, actual);
            List<DeadLetterKey> extra = minus(actual, e.deadLetters);
            StringBuilder sb = new StringBuilder("DLQ differs from the expected dead letters: ")
                    .append(actual.size()).append(" written, ").append(e.deadLetters.size()).append(" expected\n")
                    .append(" missing (").append(missing.size()).append("): ").append(head(missing)).append('\n')
                    .append(" unexpected (").append(extra.size()).append("): ").append(head(extra)).append('\n');
            for (DeadLetterKey k : extra.subList(0, Math.min(5, extra.size()))) {
                a.deadLetters.stream().filter(o -> DeadLetterKey.of(o.value()).equals(k)).findFirst()
                        .ifPresent(o -> sb.append("  written: ").append(describe(o.value())).append('\n'));
            }
            throw new AssertionError(sb.toString());
        }
        for (Out<DeadLetter> o : a.deadLetters) {
            DeadLetter d = o.value();
            ConsumerRecord<byte[], byte[]> in = e.input(d.getSourceTopic(), d.getSourcePartition(), d.getSourceOffset());
            assertThat(in).as("input record of dead letter %s", DeadLetterKey.of(d)).isNotNull();
            assertThat(o.raw().key()).as("DLQ key of %s", DeadLetterKey.of(d)).isEqualTo(in.key());
            assertThat(bytes(d.getKey())).as("original key in %s", DeadLetterKey.of(d)).isEqualTo(in.key());
            byte[] value = bytes(d.getValue());
            if (d.getReason() == DeadLetterReason.NO_ITEM && !Arrays.equals(value, in.value())) {
                PreferenceOutcome rebuilt = outcomeOrNull(in.value());
                assertThat(rebuilt).as("NO_ITEM input %s is an outcome", DeadLetterKey.of(d)).isNotNull();
                rebuilt.setSource(OutcomeSource.GOLD);
                assertThat(value).as("value of NO_ITEM dead letter %s (rebuilt with source GOLD)",
                        DeadLetterKey.of(d)).isEqualTo(OUTCOME.encode(rebuilt));
            } else {
                assertThat(value).as("value of dead letter %s", DeadLetterKey.of(d)).isEqualTo(in.value());
            }
        }
    }

    private static PreferenceOutcome outcomeOrNull(byte[] bytes) {
        try {
            return OUTCOME.decode(bytes);
        } catch (WireFormatException e) {
            return null;
        }
    }

    static String describe(DeadLetter d) {
        return DeadLetterKey.of(d) + " \"" + d.getMessage() + "\" time=" + d.getTime();
    }

    static Map<DeadLetterReason, Long> countByReason(List<DeadLetterKey> keys) {
        return keys.stream().collect(Collectors.groupingBy(DeadLetterKey::reason, TreeMap::new, Collectors.counting()));
    }

    private static String key(Out<?> o) {
        return o.raw().key() == null ? null : new String(o.raw().key(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        if (b == null) {
            return null;
        }
        java.nio.ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static <T> List<T> minus(List<T> from, List<T> remove) {
        Map<T, Integer> left = new HashMap<>();
        remove.forEach(r -> left.merge(r, 1, Integer::sum));
        List<T> out = new ArrayList<>();
        for (T t : from) {
            Integer n = left.get(t);
            if (n == null || n == 0) {
                out.add(t);
            } else {
                left.put(t, n - 1);
            }
        }
        return out;
    }

    private static String head(List<?> l) {
        return l.size() <= 20 ? l.toString() : l.subList(0, 20) + " ...";
    }

    private static <T> void assertOrderedWithinPartitions(
            String what, List<Out<T>> records, Function<T, Object> group, ToLongFunction<T> order) {
        Map<String, Long> last = new HashMap<>();
        for (Out<T> o : records) {
            String g = o.raw().partition() + "|" + group.apply(o.value());
            long v = order.applyAsLong(o.value());
            Long before = last.put(g, v);
            assertThat(before == null || before < v)
                    .as("%s: in partition %d, %s comes after %s for %s", what, o.raw().partition(), v, before,
                            group.apply(o.value()))
                    .isTrue();
        }
    }

    /** Per cohort: the job's records sorted by {@code order} equal the reference's, as encoded bytes. */
    private static <T> void assertSameRecords(String what, List<Out<T>> actual, List<T> expected,
            Function<T, CharSequence> cohort, Comparator<T> order, Function<T, byte[]> encode) {
        Map<String, List<Out<T>>> a = new TreeMap<>();
        for (Out<T> o : actual) {
            a.computeIfAbsent(cohort.apply(o.value()).toString(), c -> new ArrayList<>()).add(o);
        }
        a.values().forEach(l -> l.sort(Comparator.comparing(Out::value, order)));
        Map<String, List<T>> x = new TreeMap<>();
        for (T t : expected) {
            x.computeIfAbsent(cohort.apply(t).toString(), c -> new ArrayList<>()).add(t);
        }
        assertThat(a.keySet()).as("%s: cohorts", what).isEqualTo(x.keySet());
        for (String c : x.keySet()) {
            List<Out<T>> ac = a.get(c);
            List<T> ec = x.get(c);
            for (int i = 0; i < Math.min(ac.size(), ec.size()); i++) {
                byte[] want = encode.apply(ec.get(i));
                if (!Arrays.equals(ac.get(i).raw().value(), want)) {
                    throw new AssertionError(what + ": cohort " + c + " record " + i + " differs:\n job:       "
                            + ac.get(i).value() + "\n reference: " + ec.get(i));
                }
            }
            assertThat(ac.size()).as("%s: cohort %s record count", what, c).isEqualTo(ec.size());
        }
        assertThat(actual.size()).as("%s: record count", what).isEqualTo(expected.size());
    }
}
