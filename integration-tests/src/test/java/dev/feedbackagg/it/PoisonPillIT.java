package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.PipelineReference;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.it.ReferenceCheck.DeadLetterKey;
import dev.feedbackagg.job.JobConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison pills on a real Flink cluster: 10,000 records the job cannot use (undecodable bytes, cut
 * bodies, tombstones, JSON on an Avro topic, unknown fingerprints, records of other schemas or of
 * the other topic, values out of range, empty ids, negative times) are interleaved at seeded random
 * places with a simulated log of good reports and outcomes. The job runs bounded at parallelism 2.
 * Every bad record must land in the DLQ with its reason, source position and original bytes; the
 * job must never fail over (restart count 0: no exception history, no RESTARTING, the numRestarts
 * metric 0 while it runs); and the good outputs must equal the reference on the good records alone,
 * that is, the output of the same log without any bad record. kcat reads all four output topics
 * again and decodes the dead letters itself.
 */
class PoisonPillIT {
    private static final long SEED = Long.getLong("poison.it.seed", 20_260_705L);
    private static final int BAD_RECORDS = 10_000;
    private static final int COHORTS = 2;
    private static final int ITEMS_PER_COHORT = 3_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path workDir;

    @Test
    void everyBadRecordLandsInTheDlqWithoutARestartAndTheGoodOutputIsUnaffected() throws Exception {
        long testStart = System.nanoTime();
        Kcat.require();
        SimulatedInput input = SimulatedInput.generate("crowd", SEED, COHORTS, ITEMS_PER_COHORT, 0.3);
        String run = "poison-it-" + UUID.randomUUID();

        try (KafkaBroker broker = KafkaBroker.start(workDir);
                FlinkCluster flink = FlinkCluster.builder(workDir).slotsPerTaskManager(2).start()) {
            System.out.printf("Kafka broker ready in %d ms; %s up in %s; %s%n", broker.lastStartDuration().toMillis(),
                    flink, FlinkCluster.format(flink.startDuration()), Kcat.version());
            List<String> args = input.jobArgs(run, broker.bootstrapServers(), 2, true);
            JobConfig config = SimulatedInput.config(args);
            JobConfig.Topics topics = config.topics();
            ClusterRuns.createTopics(broker, topics);

            // Good records in event-time order, bad ones at seeded random places between them.
            List<LabelerReport> goodReports = new ArrayList<>();
            List<PreferenceOutcome> goodOutcomes = new ArrayList<>();
            for (SpecificRecord r : input.records) {
                if (r instanceof LabelerReport rep) {
                    goodReports.add(rep);
                } else {
                    goodOutcomes.add((PreferenceOutcome) r);
                }
            }
            Random rnd = new Random(SEED);
            PoisonPills pills = new PoisonPills(SEED + 1);
            int[] at = new int[BAD_RECORDS];
            for (int i = 0; i < BAD_RECORDS; i++) {
                at[i] = rnd.nextInt(input.records.size() + 1);
            }
            Arrays.sort(at);
            List<KafkaIo.Outgoing> outgoing = new ArrayList<>();
            List<PoisonPills.Pill> placed = new ArrayList<>();
            int next = 0;
            for (int i = 0; i <= input.records.size(); i++) {
                while (next < BAD_RECORDS && at[next] == i) {
                    PoisonPills.Pill p = pills.next(goodReports.get(rnd.nextInt(goodReports.size())),
                            goodOutcomes.get(rnd.nextInt(goodOutcomes.size())));
                    outgoing.add(new KafkaIo.Outgoing(p.reportsTopic() ? topics.reports() : topics.outcomes(),
                            p.key(), p.value()));
                    placed.add(p);
                    next++;
                }
                if (i < input.records.size()) {
                    outgoing.add(SimulatedInput.outgoing(input.records.get(i), topics));
                    placed.add(null);
                }
            }
            List<KafkaIo.Landed> landed = KafkaIo.produce(broker.bootstrapServers(), outgoing);
            List<DeadLetterKey> intended = new ArrayList<>();
            for (int i = 0; i < landed.size(); i++) {
                if (placed.get(i) != null) {
                    KafkaIo.Landed l = landed.get(i);
                    intended.add(new DeadLetterKey(l.topic(), l.partition(), l.offset(), placed.get(i).reason()));
                }
            }
            intended.sort(null);
            Map<String, Long> kinds = placed.stream().filter(p -> p != null)
                    .collect(Collectors.groupingBy(PoisonPills.Pill::kind, TreeMap::new, Collectors.counting()));

            long jobStart = System.nanoTime();
            String jobId = flink.submit(ClusterRuns.jobJar(), args);
            long restartsWhileRunning = 0;
            int polls = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            String state;
            while (true) {
                state = flink.jobStatus(jobId);
                if (!state.equals("RUNNING") && !state.equals("CREATED") && !state.equals("INITIALIZING")) {
                    break;
                }
                long r = flink.numRestarts(jobId);
                if (r >= 0) {
                    polls++;
                    restartsWhileRunning = Math.max(restartsWhileRunning, r);
                }
                assertThat(System.nanoTime() - deadline).as("bounded job ends within %s", TIMEOUT).isNegative();
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
            double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
            JsonNode details = flink.jobDetails(jobId);
            List<FlinkCluster.Failure> failures = flink.failures(jobId);

            ReferenceCheck.assertNoOpenTransactions(broker.bootstrapServers(), topics);
            ReferenceCheck.Actual actual = new ReferenceCheck.Actual(broker.bootstrapServers(), topics);
            ReferenceCheck.Expected expected = ReferenceCheck.expected(broker.bootstrapServers(), config);
            Map<String, Integer> kcatCounts = ClusterRuns.assertKcatSeesTheSame(broker.bootstrapServers(), topics,
                    actual);
            List<DeadLetterKey> kcatDeadLetters = new ArrayList<>();
            for (Kcat.Message m : Kcat.consume(broker.bootstrapServers(), topics.deadLetters())) {
                DeadLetter d = ReferenceCheck.DLQ.decode(m.value());
                kcatDeadLetters.add(DeadLetterKey.of(d));
            }
            kcatDeadLetters.sort(null);

            System.out.printf(Locale.ROOT,
                    "PoisonPillIT figures: records in %d (%d good: %d reports, %d outcomes; %d bad)%n"
                            + "  bad records by kind %s%n  by reason %s%n"
                            + "  job %s in %.1f s; failovers %d; numRestarts metric max %d over %d polls;"
                            + " RESTARTING timestamp %d%n"
                            + "  records out %d: %d aggregated, %d regret, %d labeler weights, %d dead letters;"
                            + " kcat saw %s; test %.1f s%n",
                    outgoing.size(), input.records.size(), input.reports, input.outcomes, BAD_RECORDS, kinds,
                    ReferenceCheck.countByReason(intended), state, jobSeconds, failures.size(), restartsWhileRunning,
                    polls, details.path("timestamps").path("RESTARTING").asLong(-1), actual.records(),
                    actual.aggregated.size(), actual.regret.size(), actual.weights.size(), actual.deadLetters.size(),
                    kcatCounts, (System.nanoTime() - testStart) / 1e9);

            assertThat(state).as("the bounded job ends by itself").isEqualTo("FINISHED");
            assertThat(failures).as("failovers (exception history)").isEmpty();
            assertThat(restartsWhileRunning).as("numRestarts while the job ran").isZero();
            assertThat(details.path("timestamps").path("RESTARTING").asLong(-1))
                    .as("the job was never RESTARTING").isZero();
            assertThat(expected.inputRecords).as("input records stored").hasSize(outgoing.size());
            assertThat(expected.decoderDeadLetters).as("the deserializers reject exactly the bad records, for the"
                    + " intended reasons").containsExactlyElementsOf(intended);
            assertThat(expected.deadLetters).as("nothing else is rejected").containsExactlyElementsOf(intended);
            ReferenceCheck.assertOutputsEqualReference(expected, actual);
            ReferenceCheck.assertDeadLetters(expected, actual);
            assertThat(kcatDeadLetters).as("dead letters as kcat reads and decodes them")
                    .containsExactlyElementsOf(intended);
            assertGoodOutputUnaffected(input, config, expected);
        }
    }

    /**
     * The reference on the stored good records equals the reference on the simulated log itself (no
     * Kafka, no bad records): the bad records changed nothing that the job (which equals the former)
     * emits.
     */
    private static void assertGoodOutputUnaffected(SimulatedInput input, JobConfig config,
            ReferenceCheck.Expected expected) {
        List<ReportEvent> reports = new ArrayList<>();
        List<OutcomeEvent> outcomes = new ArrayList<>();
        for (SpecificRecord r : input.records) {
            if (r instanceof LabelerReport rep) {
                reports.add(new ReportEvent(rep, null, 0, 0L));
            } else {
                outcomes.add(new OutcomeEvent((PreferenceOutcome) r, null, 0, 0L));
            }
        }
        PipelineReference.Result clean = new PipelineReference(config.items(), config.mechanism()).run(reports, outcomes);
        assertThat(clean.rejections).as("the clean log has no rejections").isEmpty();
        assertSame("aggregated", clean.mechanism.aggregated, expected.reference.mechanism.aggregated,
                ReferenceCheck.AGGREGATED::encode, a -> a.getCohort() + "/" + String.format("%012d", a.getSequence()));
        assertSame("regret", clean.mechanism.regret, expected.reference.mechanism.regret, ReferenceCheck.REGRET::encode,
                (RegretMetrics m) -> m.getCohort() + "/" + String.format("%020d", m.getSnapshotTime()));
        assertSame("weights", clean.mechanism.weights, expected.reference.mechanism.weights,
                ReferenceCheck.WEIGHTS::encode, (LabelerWeight w) -> w.getCohort() + "/"
                        + String.format("%020d", w.getSnapshotTime()) + "/" + w.getLabelerId());
    }

    private static <T> void assertSame(String what, List<T> clean, List<T> stored, Function<T, byte[]> encode,
            Function<T, String> order) {
        assertThat(stored).as("%s: record count with and without the bad records", what).hasSameSizeAs(clean);
        List<T> a = clean.stream().sorted(Comparator.comparing(order)).collect(Collectors.toList());
        List<T> b = stored.stream().sorted(Comparator.comparing(order)).collect(Collectors.toList());
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(encode.apply(a.get(i)), encode.apply(b.get(i)))) {
                throw new AssertionError(what + " record " + i + " differs with the bad records in the input:\n"
                        + " without: " + a.get(i) + "\n with:    " + b.get(i));
            }
        }
    }
}
