package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedbackagg.job.JobConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under faults, on real processes: a Kafka broker, and a Flink standalone cluster
 * (JobManager and TaskManager as separate JVMs) that runs the job jar submitted over REST.
 *
 * <p>More than 200,000 simulated reports (the {@code crowd} scenario for four cohorts, with gold
 * outcomes) are produced first; the job then runs unbounded, parallelism 2 (one
 * TaskManager with two slots), 1 s exactly-once checkpoints and no idleness. While it runs the
 * TaskManager is killed with SIGKILL three times and the broker stopped and restarted once, each
 * when the committed input offsets pass a seeded random fraction of the input. After a kill a new
 * TaskManager is started at once, and the next fault waits until every task of the job runs again.
 * Once every input offset is committed the job is stopped with drain (the final watermark fires
 * every timer, as at the end of bounded input); everything it committed is read back with read_committed and
 * must equal the reference run on the same stored input, bit for bit per cohort: nothing missing,
 * nothing doubled. kcat, an independent client, must see the same committed records.
 */
class FaultToleranceIT {
    /** Another fault schedule and input: -Dfault.it.seed=N. */
    private static final long SEED = Long.getLong("fault.it.seed", 20_260_517L);
    private static final int COHORTS = 4;
    private static final int ITEMS_PER_COHORT = Integer.getInteger("fault.it.items", 13_000);
    private static final double GOLD_RATE = 0.3;
    private static final int MIN_REPORTS = 200_000;
    private static final int PARALLELISM = 2;
    private static final int KILLS = 3;
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(6);

    /** Kept when the test fails: broker and Flink logs. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path workDir;

    enum Kind { KILL_TASKMANAGER, RESTART_BROKER }

    /** A fault and the input fraction (committed offsets / input records) that triggers it. */
    record Fault(Kind kind, double atFraction) {}

    /** What happened at one fault. */
    record Outcome(Fault fault, double fractionSeen, String detail, long detectedMillis, long recoveredMillis,
            int failuresBefore, int failuresAfter) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-16s at %5.1f%% of the input (planned %4.1f%%): %s; failover"
                    + " handled after %s, all tasks RUNNING again after %.2f s; failovers so far %d -> %d",
                    fault.kind(), 100 * fractionSeen, 100 * fault.atFraction(), detail,
                    detectedMillis < 0 ? "- (none)" : String.format(Locale.ROOT, "%.2f s", detectedMillis / 1000.0),
                    recoveredMillis / 1000.0, failuresBefore, failuresAfter);
        }
    }

    /** Three kills and a broker restart in four bands of the input, the broker's band drawn at random. */
    static List<Fault> plan(long seed) {
        Random rnd = new Random(seed);
        double[][] bands = {{0.06, 0.20}, {0.28, 0.42}, {0.50, 0.62}, {0.68, 0.80}};
        int brokerBand = rnd.nextInt(bands.length);
        List<Fault> plan = new ArrayList<>();
        for (int i = 0; i < bands.length; i++) {
            double at = bands[i][0] + rnd.nextDouble() * (bands[i][1] - bands[i][0]);
            plan.add(new Fault(i == brokerBand ? Kind.RESTART_BROKER : Kind.KILL_TASKMANAGER, at));
        }
        return plan;
    }

    @Test
    void exactlyOnceThroughTaskManagerKillsAndABrokerRestart() throws Exception {
        long testStart = System.nanoTime();
        Kcat.require();
        SimulatedInput input = SimulatedInput.generate("crowd", SEED, COHORTS, ITEMS_PER_COHORT, GOLD_RATE);
        System.out.println("FaultToleranceIT input: " + input);
        assertThat(input.reports).as("simulated reports").isGreaterThanOrEqualTo(MIN_REPORTS);
        List<Fault> plan = plan(SEED);
        assertThat(plan.stream().filter(f -> f.kind() == Kind.KILL_TASKMANAGER)).hasSize(KILLS);
        String run = "fault-it-" + UUID.randomUUID();

        try (KafkaBroker broker = KafkaBroker.start(workDir);
                FlinkCluster flink = FlinkCluster.builder(workDir).slotsPerTaskManager(PARALLELISM).start()) {
            System.out.printf("Kafka broker %s ready in %d ms; %s up in %s%n", broker,
                    broker.lastStartDuration().toMillis(), flink, FlinkCluster.format(flink.startDuration()));
            // Unbounded, drained once every input offset is committed: however fast the job is, it
            // still runs when each fault comes (a bounded job may finish between two faults).
            List<String> args = input.jobArgs(run, broker.bootstrapServers(), PARALLELISM, false);
            JobConfig config = SimulatedInput.config(args);
            JobConfig.Topics topics = config.topics();
            ClusterRuns.createTopics(broker, topics);
            long produceStart = System.nanoTime();
            KafkaIo.produce(broker.bootstrapServers(), input.outgoing(topics));
            double produceSeconds = (System.nanoTime() - produceStart) / 1e9;

            long jobStart = System.nanoTime();
            String jobId = flink.submit(ClusterRuns.jobJar(), args);
            flink.waitForAllTasksRunning(jobId, RECOVERY_TIMEOUT);
            System.out.printf("FaultToleranceIT: job %s runs (%.1f s after submission); fault plan %s%n", jobId,
                    (System.nanoTime() - jobStart) / 1e9, plan);

            List<Outcome> outcomes = new ArrayList<>();
            long maxRestartsSeen = 0;
            try (GroupProgress progress = new GroupProgress(broker.bootstrapServers(), run, topics)) {
                for (Fault fault : plan) {
                    double seen = awaitFraction(flink, jobId, progress, fault);
                    maxRestartsSeen = Math.max(maxRestartsSeen, flink.numRestarts(jobId));
                    Outcome o = fault.kind() == Kind.KILL_TASKMANAGER
                            ? killTaskManager(flink, jobId, fault, seen)
                            : restartBroker(flink, broker, jobId, progress, fault, seen);
                    outcomes.add(o);
                    System.out.println("FaultToleranceIT: " + o);
                    maxRestartsSeen = Math.max(maxRestartsSeen, numRestarts(flink, jobId, o.failuresAfter()));
                }
                long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
                while (progress.committed() < progress.total()) {
                    assertThat(flink.jobStatus(jobId)).as("job after the faults").isIn("RUNNING", "RESTARTING");
                    assertThat(System.nanoTime() - deadline).as("every input offset committed within %s",
                            JOB_TIMEOUT).isNegative();
                    pause();
                }
            }
            // Stop with drain: the final watermark fires every timer (end-of-input snapshots).
            flink.stopWithSavepoint(jobId, true, JOB_TIMEOUT);
            String state = flink.waitForState(jobId, JOB_TIMEOUT, "FINISHED");
            double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
            List<FlinkCluster.Failure> failures = flink.failures(jobId);
            JsonNode checkpoints = flink.checkpointCounts(jobId);

            // Everything committed is visible now: no transaction of the job is still open.
            ReferenceCheck.assertNoOpenTransactions(broker.bootstrapServers(), topics);
            ReferenceCheck.Actual actual = new ReferenceCheck.Actual(broker.bootstrapServers(), topics);
            ReferenceCheck.Expected expected = ReferenceCheck.expected(broker.bootstrapServers(), config);
            Map<String, Integer> kcatCounts = ClusterRuns.assertKcatSeesTheSame(broker.bootstrapServers(), topics,
                    actual);

            long kills = outcomes.stream().filter(o -> o.fault().kind() == Kind.KILL_TASKMANAGER).count();
            String recoveries = outcomes.stream().filter(o -> o.fault().kind() == Kind.KILL_TASKMANAGER)
                    .map(o -> String.format(Locale.ROOT, "%.2f s", o.recoveredMillis() / 1000.0))
                    .collect(Collectors.joining(", "));
            System.out.printf(Locale.ROOT,
                    "FaultToleranceIT figures: records in %d (%d reports, %d outcomes; %s), produced in %.2f s%n"
                            + "  records out %d: %d aggregated, %d regret, %d labeler weights, %d dead letters;"
                            + " kcat saw %s%n"
                            + "  faults: %d TaskManager kills (SIGKILL), 1 broker stop+restart; failovers %d"
                            + " (exception history; the numRestarts metric, sampled after each fault, read up to %d)%n"
                            + "  kill -> all tasks RUNNING again: %s%n"
                            + "  checkpoints %s%n"
                            + "  job %s in %.1f s (submission to FINISHED); test %.1f s%n",
                    input.records.size(), input.reports, input.outcomes, input, produceSeconds, actual.records(),
                    actual.aggregated.size(), actual.regret.size(), actual.weights.size(), actual.deadLetters.size(),
                    kcatCounts, kills, failures.size(), maxRestartsSeen, recoveries, checkpoints, state, jobSeconds,
                    (System.nanoTime() - testStart) / 1e9);
            failures.forEach(f -> System.out.println("  failover: " + f));

            assertThat(kills).as("TaskManager kills").isEqualTo(KILLS);
            assertThat(failures.size()).as("failovers (one at least per kill)").isGreaterThanOrEqualTo(KILLS);
            assertThat(checkpoints.path("restored").asLong()).as("restores from a checkpoint")
                    .isGreaterThanOrEqualTo(KILLS);
            assertThat(expected.inputRecords).as("input records stored").hasSize(input.records.size());
            assertThat(expected.decoderDeadLetters).as("the simulator writes no undecodable record").isEmpty();
            ReferenceCheck.assertOutputsEqualReference(expected, actual);
            ReferenceCheck.assertDeadLetters(expected, actual);
        }
    }

    /** Polls the committed offsets until they pass the fault's fraction; fails if the job ends first. */
    private static double awaitFraction(FlinkCluster flink, String jobId, GroupProgress progress, Fault fault)
            throws Exception {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            double f = progress.fraction();
            if (f >= fault.atFraction()) {
                return f;
            }
            String state = flink.jobStatus(jobId);
            assertThat(state).as("job state before %s at %.2f of the input (now %.3f): the job must still run;"
                    + " a faster machine needs a larger input (-Dfault.it.items)", fault.kind(), fault.atFraction(), f)
                    .isIn("RUNNING", "RESTARTING");
            assertThat(System.nanoTime() - deadline).as("input fraction %.2f reached within %s (now %.3f)",
                    fault.atFraction(), JOB_TIMEOUT, f).isNegative();
            pause();
        }
    }

    /**
     * SIGKILL of the TaskManager, a new one started at once (as a supervisor would), then waits until
     * the JobManager has handled the failure (a new entry in the exception history) and every task runs
     * again (restored from the last checkpoint).
     */
    private static Outcome killTaskManager(FlinkCluster flink, String jobId, Fault fault, double seen)
            throws Exception {
        int before = flink.failures(jobId).size();
        long killedAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        String killed = flink.killTaskManager();
        String started = flink.startTaskManager();
        long startedMillis = (System.nanoTime() - t0) / 1_000_000;
        long deadline = t0 + RECOVERY_TIMEOUT.toNanos();
        long detected = -1;
        while (true) {
            List<FlinkCluster.Failure> failures = flink.failures(jobId);
            if (detected < 0) {
                for (FlinkCluster.Failure f : failures) {
                    if (f.timestamp() >= killedAt) {
                        detected = f.timestamp() - killedAt;
                        break;
                    }
                }
            }
            JsonNode details = flink.jobDetails(jobId);
            if (detected >= 0 && (FlinkCluster.allTasksRunning(details)
                    || "FINISHED".equals(details.path("state").asText()))) {
                return new Outcome(fault, seen, "killed " + killed + ", started " + started + " (registered after "
                        + startedMillis + " ms)", detected, (System.nanoTime() - t0) / 1_000_000, before,
                        failures.size());
            }
            assertThat(details.path("state").asText()).as("job state after killing %s", killed)
                    .isIn("RUNNING", "RESTARTING", "CREATED", "INITIALIZING", "FINISHED");
            assertThat(System.nanoTime() - deadline).as("recovery after killing %s within %s: %s", killed,
                    RECOVERY_TIMEOUT, FlinkCluster.vertexSummary(details)).isNegative();
            pause();
        }
    }

    /**
     * Stops the broker gracefully and starts it again on the same ports and data; then waits until the
     * job's committed offsets move again and every task runs (the job may or may not fail over: its
     * clients retry while the broker is away).
     */
    private static Outcome restartBroker(FlinkCluster flink, KafkaBroker broker, String jobId,
            GroupProgress progress, Fault fault, double seen) throws Exception {
        int before = flink.failures(jobId).size();
        long committedBefore = progress.committed();
        long t0 = System.nanoTime();
        broker.stop();
        long stoppedMillis = (System.nanoTime() - t0) / 1_000_000;
        broker.restart();
        long downMillis = (System.nanoTime() - t0) / 1_000_000;
        long deadline = t0 + RECOVERY_TIMEOUT.toNanos();
        while (true) {
            long committed = progress.committed();
            JsonNode details = flink.jobDetails(jobId);
            String state = details.path("state").asText();
            boolean moved = committed > committedBefore || "FINISHED".equals(state);
            if (moved && (FlinkCluster.allTasksRunning(details) || "FINISHED".equals(state))) {
                int after = flink.failures(jobId).size();
                return new Outcome(fault, seen, "broker stopped in " + stoppedMillis + " ms, down for " + downMillis
                        + " ms, committed offsets moved on", -1, (System.nanoTime() - t0) / 1_000_000, before, after);
            }
            assertThat(state).as("job state after the broker restart").isIn("RUNNING", "RESTARTING", "FINISHED");
            assertThat(System.nanoTime() - deadline).as("job progress after the broker restart within %s: %s",
                    RECOVERY_TIMEOUT, FlinkCluster.vertexSummary(details)).isNegative();
            pause();
        }
    }

    /**
     * The numRestarts metric, polled for up to 3 s until it reaches {@code atLeast} (the REST API
     * serves metrics fetched every 0.5 s); the last value read otherwise (-1 once the job has ended).
     */
    private static long numRestarts(FlinkCluster flink, String jobId, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        long value = flink.numRestarts(jobId);
        while (value < atLeast && System.nanoTime() - deadline < 0 && "RUNNING".equals(flink.jobStatus(jobId))) {
            pause();
            value = flink.numRestarts(jobId);
        }
        return value;
    }

    private static void pause() throws InterruptedException {
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }
}
