package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.job.JobConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade path on a real Flink cluster: stop with a savepoint, restore at another parallelism.
 *
 * <p>The first part of a simulated log (the {@code paper} scenario for three cohorts) is produced and
 * the job runs unbounded at parallelism 1; once it has committed output and passed a seeded random
 * fraction of that part, it is stopped with a savepoint (no drain: open items and buffered events stay
 * in the savepoint, as in an upgrade). The rest of the log is produced while no job runs, and the job
 * is started again from the savepoint at parallelism 2 (keyed state is redistributed across key
 * groups, the Kafka splits across readers). When its sources have committed every input offset it is
 * stopped with {@code drain}, so that the final watermark fires every pending timer and the
 * end-of-input snapshot is written, as a bounded run would at its end. The outputs of both runs
 * together must equal those of one uninterrupted run, which is what the reference computes: bit for
 * bit, nothing missing, nothing doubled.
 *
 * <p>Why both runs are unbounded: a bounded KafkaSource (the job's {@code --bounded}) restored from a
 * savepoint never ends. The restored split enumerator finds every partition already assigned and
 * never signals "no more splits" to the readers, so they consume up to the end and then wait forever
 * (FLINK-31006 in flink-connector-kafka; the same happens after a JobManager failover). Tried on this
 * cluster with flink-connector-kafka 5.0.0-2.2: a {@code --bounded} job restored from the savepoint of
 * an unbounded run committed every input offset and was still RUNNING 45 s later; one restored from
 * the savepoint of a bounded run was still RUNNING after 2 minutes. Draining an unbounded run ends it
 * where the test decides, with the same end-of-input output.
 */
class SavepointUpgradeIT {
    private static final long SEED = Long.getLong("savepoint.it.seed", 20_260_611L);
    private static final int COHORTS = 3;
    private static final int ITEMS_PER_COHORT = 2_500;
    /** Records produced before the first run; the rest comes while the job is stopped. */
    private static final double FIRST_PART = 0.6;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path workDir;

    @Test
    void stopWithSavepointAndRestoreAtParallelismTwoEqualsAnUninterruptedRun() throws Exception {
        long testStart = System.nanoTime();
        SimulatedInput input = SimulatedInput.generate("paper", SEED, COHORTS, ITEMS_PER_COHORT, 1.0);
        System.out.println("SavepointUpgradeIT input: " + input);
        Random rnd = new Random(SEED);
        double stopAt = 0.3 + 0.5 * rnd.nextDouble(); // of the first part
        int firstPart = (int) (input.records.size() * FIRST_PART);
        String run = "savepoint-it-" + UUID.randomUUID();

        try (KafkaBroker broker = KafkaBroker.start(workDir);
                FlinkCluster flink = FlinkCluster.builder(workDir).slotsPerTaskManager(2).start()) {
            System.out.printf("Kafka broker ready in %d ms; %s up in %s%n", broker.lastStartDuration().toMillis(),
                    flink, FlinkCluster.format(flink.startDuration()));
            List<String> args1 = input.jobArgs(run, broker.bootstrapServers(), 1, false);
            List<String> args2 = input.jobArgs(run, broker.bootstrapServers(), 2, false);
            JobConfig config = SimulatedInput.config(args2);
            JobConfig.Topics topics = config.topics();
            ClusterRuns.createTopics(broker, topics);
            List<KafkaIo.Outgoing> all = input.outgoing(topics);
            KafkaIo.produce(broker.bootstrapServers(), all.subList(0, firstPart));

            // Run 1: parallelism 1, stopped with a savepoint mid-stream.
            long t1 = System.nanoTime();
            String job1 = flink.submit(ClusterRuns.jobJar(), args1);
            flink.waitForAllTasksRunning(job1, TIMEOUT);
            long committedAtStop;
            long aggregatedAtStop;
            try (GroupProgress progress = new GroupProgress(broker.bootstrapServers(), run, topics)) {
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (true) {
                    double f = progress.fraction();
                    long out = f >= stopAt ? committedOutput(broker.bootstrapServers(), topics.aggregated()) : 0;
                    if (out > 0) {
                        break;
                    }
                    assertThat(flink.jobStatus(job1)).as("run 1").isEqualTo("RUNNING");
                    assertThat(System.nanoTime() - deadline).as("run 1 reaches %.2f of the first part with output"
                            + " within %s (now %.3f, %d aggregates)", stopAt, TIMEOUT, f, out).isNegative();
                    pause();
                }
            }
            String savepoint = flink.stopWithSavepoint(job1, false, TIMEOUT);
            double run1Seconds = (System.nanoTime() - t1) / 1e9;
            // Stop-with-savepoint commits the sources' offsets and the sinks' transactions of the savepoint.
            try (GroupProgress progress = new GroupProgress(broker.bootstrapServers(), run, topics)) {
                committedAtStop = progress.committed();
            }
            aggregatedAtStop = committedOutput(broker.bootstrapServers(), topics.aggregated());
            assertThat(Files.isRegularFile(Path.of(URI.create(savepoint)).resolve("_metadata")))
                    .as("savepoint %s has its _metadata", savepoint).isTrue();
            assertThat(flink.failures(job1)).as("failovers of run 1").isEmpty();

            // While no job runs, the rest of the input arrives.
            KafkaIo.produce(broker.bootstrapServers(), all.subList(firstPart, all.size()));

            // Run 2: from the savepoint at parallelism 2, drained once every input offset is committed.
            long t2 = System.nanoTime();
            String job2 = flink.submit(ClusterRuns.jobJar(), args2, savepoint);
            flink.waitForAllTasksRunning(job2, TIMEOUT);
            // Every vertex at the new parallelism, but the regret and dead-letter sinks: one subtask.
            assertThat(flink.jobDetails(job2).path("vertices"))
                    .as("parallelism of every vertex of run 2")
                    .allSatisfy(v -> assertThat(v.path("parallelism").asInt()).as(v.path("name").asText())
                            .isEqualTo(v.path("name").asText().matches("(regret sink|count dead letters).*") ? 1 : 2));
            assertThat(flink.checkpointCounts(job2).path("restored").asLong()).as("run 2 restored").isEqualTo(1);
            try (GroupProgress progress = new GroupProgress(broker.bootstrapServers(), run, topics)) {
                assertThat(progress.total()).isEqualTo(input.records.size());
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (progress.committed() < progress.total()) {
                    assertThat(flink.jobStatus(job2)).as("run 2").isEqualTo("RUNNING");
                    assertThat(System.nanoTime() - deadline).as("run 2 commits every input offset within %s",
                            TIMEOUT).isNegative();
                    pause();
                }
            }
            String finalSavepoint = flink.stopWithSavepoint(job2, true, TIMEOUT);
            double run2Seconds = (System.nanoTime() - t2) / 1e9;
            assertThat(flink.failures(job2)).as("failovers of run 2").isEmpty();

            ReferenceCheck.assertNoOpenTransactions(broker.bootstrapServers(), topics);
            ReferenceCheck.Actual actual = new ReferenceCheck.Actual(broker.bootstrapServers(), topics);
            ReferenceCheck.Expected expected = ReferenceCheck.expected(broker.bootstrapServers(), config);
            System.out.printf(Locale.ROOT,
                    "SavepointUpgradeIT figures: records in %d (%d before run 1, %d while stopped)%n"
                            + "  run 1 (parallelism 1): stopped with a savepoint after %.1f s at %d of %d input"
                            + " records committed (target %.2f of the first part), %d aggregates committed;"
                            + " savepoint %s%n"
                            + "  run 2 (parallelism 2, from the savepoint): drained after %.1f s; final savepoint %s%n"
                            + "  records out %d: %d aggregated, %d regret, %d labeler weights, %d dead letters;"
                            + " test %.1f s%n",
                    input.records.size(), firstPart, input.records.size() - firstPart, run1Seconds, committedAtStop,
                    input.records.size(), stopAt, aggregatedAtStop, savepoint, run2Seconds, finalSavepoint,
                    actual.records(), actual.aggregated.size(), actual.regret.size(), actual.weights.size(),
                    actual.deadLetters.size(), (System.nanoTime() - testStart) / 1e9);

            assertThat(committedAtStop).as("run 1 stopped mid-stream: input left for run 2")
                    .isLessThan(input.records.size());
            assertThat(aggregatedAtStop).as("run 1 committed output before its stop").isPositive();
            assertThat((long) actual.aggregated.size()).as("run 2 committed output too")
                    .isGreaterThan(aggregatedAtStop);
            assertThat(expected.inputRecords).as("input records stored").hasSize(input.records.size());
            ReferenceCheck.assertOutputsEqualReference(expected, actual);
            ReferenceCheck.assertDeadLetters(expected, actual);
        }
    }

    /** Records committed to the topic so far (read, not offsets: transaction markers take offsets too). */
    private static long committedOutput(String bootstrap, String topic) {
        return KafkaIo.readAll(bootstrap, topic, IsolationLevel.READ_COMMITTED).size();
    }

    private static void pause() throws InterruptedException {
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }
}
