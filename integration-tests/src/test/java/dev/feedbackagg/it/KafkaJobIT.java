package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.it.ReferenceCheck.DeadLetterKey;
import dev.feedbackagg.job.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job on a real Kafka broker (a separate process): a seeded event log with good and bad
 * records is produced to the input topics, the job runs with {@code --bounded} and exactly-once
 * sinks on a MiniCluster (parallelism 2) until it ends by itself, and everything it committed to
 * the four output topics is read back with read_committed and compared with the reference run on
 * the same stored input: aggregates, regret snapshots and labeler weights bit for bit per cohort in
 * order, and the DLQ holding exactly the bad records and the reference's rejections.
 */
class KafkaJobIT {
    /** Another log: -Dkafka.job.it.seed=N. */
    private static final long SEED = Long.getLong("kafka.job.it.seed", 20_260_503L);
    private static final int COHORTS = 4;
    private static final int ITEMS_PER_COHORT = 300;
    private static final int PARALLELISM = 2;
    /** Another interval: -Dkafka.job.it.checkpoint-interval=20s (the job then waits that long for its last one). */
    private static final String CHECKPOINT_INTERVAL = System.getProperty("kafka.job.it.checkpoint-interval", "1s");
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(PARALLELISM)
                    .build());

    /** Under target/ (failsafe sets java.io.tmpdir there); kept when the test fails, for broker.log. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path workDir;

    @Test
    void jobThroughKafkaEqualsReference(@InjectMiniCluster MiniCluster cluster) throws Exception {
        FeedbackEventLog log = new FeedbackEventLog(SEED, COHORTS, ITEMS_PER_COHORT);
        System.out.printf("KafkaJobIT: event log of seed %d%n", SEED);
        String run = "kafka-job-it-" + UUID.randomUUID();
        try (KafkaBroker broker = KafkaBroker.start(workDir)) {
            System.out.printf("Kafka broker %s ready in %d ms%n", broker, broker.lastStartDuration().toMillis());
            JobConfig config = ReferenceCheck.jobConfig(
                    "--job-name", run,
                    "--bootstrap-servers", broker.bootstrapServers(),
                    "--group-id", run,
                    "--bounded",
                    "--expected-labels", Integer.toString(FeedbackEventLog.DEFAULT_EXPECTED),
                    "--item-timeout", FeedbackEventLog.ITEM_TIMEOUT_MS + "ms",
                    "--outcome-timeout", FeedbackEventLog.OUTCOME_TIMEOUT_MS + "ms",
                    "--metrics-interval", FeedbackEventLog.METRICS_INTERVAL_MS + "ms",
                    "--min-rounds", Long.toString(FeedbackEventLog.MIN_ROUNDS),
                    // Ten times the jitter of the log: no record is ever behind the watermark.
                    "--max-out-of-orderness", (10 * FeedbackEventLog.JITTER_MS) + "ms",
                    "--idleness", "0ms",
                    "--checkpoint-interval", CHECKPOINT_INTERVAL,
                    "--checkpoint-dir", Files.createDirectories(workDir.resolve("checkpoints")).toUri().toString(),
                    "--parallelism", Integer.toString(PARALLELISM),
                    "--transactional-id-prefix", run,
                    "--transaction-timeout", "5m");
            JobConfig.Topics topics = config.topics();
            broker.createTopics(3, topics.reports());
            broker.createTopics(2, topics.outcomes());
            broker.createTopics(2, topics.aggregated(), topics.labelerWeights(), topics.deadLetters());
            broker.createTopics(1, topics.regret());

            // Produce in arrival order; remember where each bad record landed and why it is bad.
            List<KafkaIo.Outgoing> outgoing = new ArrayList<>();
            for (FeedbackEventLog.Entry e : log.entries) {
                outgoing.add(new KafkaIo.Outgoing(e.report() ? topics.reports() : topics.outcomes(),
                        FeedbackEventLog.utf8(e.key()), e.value()));
            }
            long produceStart = System.nanoTime();
            List<KafkaIo.Landed> landed = KafkaIo.produce(broker.bootstrapServers(), outgoing);
            double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
            List<DeadLetterKey> intendedBad = new ArrayList<>();
            for (int i = 0; i < landed.size(); i++) {
                FeedbackEventLog.Entry e = log.entries.get(i);
                if (e.reason() != null) {
                    KafkaIo.Landed l = landed.get(i);
                    intendedBad.add(new DeadLetterKey(l.topic(), l.partition(), l.offset(), e.reason()));
                }
            }
            intendedBad.sort(null);

            BoundedJobRun job = BoundedJobRun.run(cluster, config, JOB_TIMEOUT);
            System.out.println(job);

            // Everything committed is visible now: no transaction of the job is still open.
            ReferenceCheck.assertNoOpenTransactions(broker.bootstrapServers(), topics);
            ReferenceCheck.Actual actual = new ReferenceCheck.Actual(broker.bootstrapServers(), topics);
            ReferenceCheck.Expected expected = ReferenceCheck.expected(broker.bootstrapServers(), config);

            System.out.printf(Locale.ROOT,
                    "KafkaJobIT figures: records in %d (%d good reports, %d good outcomes, %d bad records; %d on the"
                            + " reports topic, %d on the outcomes topic), produced in %.2f s%n"
                            + "  records out %d: %d aggregated, %d regret, %d labeler weights, %d dead letters %s%n"
                            + "  job: %.2f s wall clock (--bounded, checkpoint interval %s, parallelism %d),"
                            + " %d checkpoints completed%n",
                    log.entries.size(), log.goodReports, log.goodOutcomes, log.badRecords, log.reports(),
                    log.outcomes(), produceSeconds, actual.records(), actual.aggregated.size(), actual.regret.size(),
                    actual.weights.size(), actual.deadLetters.size(),
                    ReferenceCheck.countByReason(expected.deadLetters), job.wallSeconds, CHECKPOINT_INTERVAL, PARALLELISM,
                    job.completedCheckpoints);

            assertThat(job.status).hasToString("FINISHED");
            assertThat(expected.inputRecords).as("input records stored").hasSize(log.entries.size());
            assertThat(expected.decoderDeadLetters).as("the deserializers reject exactly the bad records, for"
                    + " the intended reasons").containsExactlyElementsOf(intendedBad);
            ReferenceCheck.assertOutputsEqualReference(expected, actual);
            ReferenceCheck.assertDeadLetters(expected, actual);
            // The log exercises every path it means to (MISSING_FIELD cannot happen in Avro: every field is
            // written, a missing one makes the body undecodable, MALFORMED).
            assertThat(ReferenceCheck.countByReason(expected.deadLetters).keySet())
                    .as("dead-letter reasons covered")
                    .containsExactlyInAnyOrderElementsOf(EnumSet.complementOf(EnumSet.of(DeadLetterReason.MISSING_FIELD)));
        }
    }
}
