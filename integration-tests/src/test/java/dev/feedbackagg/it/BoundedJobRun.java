package dev.feedbackagg.it;

import dev.feedbackagg.job.FeedbackAggregationJob;
import dev.feedbackagg.job.JobConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;

/**
 * Runs {@link FeedbackAggregationJob#run} (the real Kafka sources and sinks) on the test's
 * MiniCluster with a deadline, and reports what the cluster knows about the run afterwards: its
 * status, duration and checkpoints.
 */
final class BoundedJobRun {
    final JobConfig config;
    final double wallSeconds;
    final JobID jobId;
    final JobStatus status;
    final long runningMillis;
    final long completedCheckpoints;
    final long failedCheckpoints;
    /** Trigger time of the last completed checkpoint minus the time the job reached FINISHED (ms, negative). */
    final long lastCheckpointBeforeFinishedMillis;
    final int lastCheckpointAcknowledged;
    final int lastCheckpointSubtasks;

    private BoundedJobRun(JobConfig config, double wallSeconds, JobID jobId, ArchivedExecutionGraph graph) {
        this.config = config;
        this.wallSeconds = wallSeconds;
        this.jobId = jobId;
        this.status = graph.getState();
        long running = graph.getStatusTimestamp(JobStatus.RUNNING);
        long finished = graph.getStatusTimestamp(status);
        this.runningMillis = running > 0 && finished > 0 ? finished - running : -1;
        CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
        this.completedCheckpoints = stats == null ? -1 : stats.getCounts().getNumberOfCompletedCheckpoints();
        this.failedCheckpoints = stats == null ? -1 : stats.getCounts().getNumberOfFailedCheckpoints();
        AbstractCheckpointStats last = null;
        if (stats != null) {
            for (AbstractCheckpointStats c : stats.getHistory().getCheckpoints()) {
                if (c.getStatus() == CheckpointStatsStatus.COMPLETED
                        && (last == null || c.getCheckpointId() > last.getCheckpointId())) {
                    last = c;
                }
            }
        }
        this.lastCheckpointBeforeFinishedMillis = last == null || finished <= 0 ? Long.MIN_VALUE
                : last.getTriggerTimestamp() - finished;
        this.lastCheckpointAcknowledged = last == null ? -1 : last.getNumberOfAcknowledgedSubtasks();
        this.lastCheckpointSubtasks = last == null ? -1 : last.getNumberOfSubtasks();
    }

    /**
     * Runs the job and waits for it to end by itself (it is bounded). On timeout the job is
     * cancelled and an AssertionError thrown.
     */
    static BoundedJobRun run(MiniCluster cluster, JobConfig config, Duration timeout) throws Exception {
        Set<JobID> before = jobIds(cluster);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "job-" + config.jobName()));
        long start = System.nanoTime();
        try {
            Future<?> done = executor.submit(() -> {
                FeedbackAggregationJob.run(config);
                return null;
            });
            try {
                done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                for (JobID id : jobIds(cluster)) {
                    if (!before.contains(id)) {
                        cluster.cancelJob(id).get(30, TimeUnit.SECONDS);
                    }
                }
                throw new AssertionError("job " + config.jobName() + " did not end by itself within " + timeout
                        + " (--bounded); cancelled it", e);
            } catch (ExecutionException e) {
                throw new AssertionError("job " + config.jobName() + " failed: " + e.getCause(), e.getCause());
            }
        } finally {
            executor.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<JobID> ours = jobIds(cluster).stream().filter(id -> !before.contains(id)).collect(Collectors.toList());
        if (ours.size() != 1) {
            throw new AssertionError("expected one new job on the MiniCluster, found " + ours);
        }
        ArchivedExecutionGraph graph = cluster.getArchivedExecutionGraph(ours.get(0)).get(30, TimeUnit.SECONDS);
        return new BoundedJobRun(config, seconds, ours.get(0), graph);
    }

    private static Set<JobID> jobIds(MiniCluster cluster) throws Exception {
        return cluster.listJobs().get(30, TimeUnit.SECONDS).stream().map(JobStatusMessage::getJobId)
                .collect(Collectors.toSet());
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "job %s %s: %.2f s wall clock (%.2f s RUNNING->%s); checkpoints: %d completed, %d failed; the last"
                        + " completed one triggered %d ms before FINISHED, acknowledged by %d/%d subtasks",
                config.jobName(), status, wallSeconds, runningMillis / 1000.0, status, completedCheckpoints,
                failedCheckpoints, lastCheckpointBeforeFinishedMillis, lastCheckpointAcknowledged,
                lastCheckpointSubtasks);
    }
}
