package dev.feedbackagg.it;

import dev.feedbackagg.job.JobConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a job has read its input, as the broker sees it: the offsets its Kafka sources committed
 * for the consumer group (they commit when a checkpoint completes, so a committed offset is covered
 * by a completed checkpoint and never goes back after a restart), against the end offsets of the
 * input topics. Tolerates a broker that is down (answers -1 then).
 */
final class GroupProgress implements AutoCloseable {
    private static final int TIMEOUT_MS = 2_000;

    private final Admin admin;
    private final String group;
    private final Map<TopicPartition, Long> end = new HashMap<>();
    private final long total;

    GroupProgress(String bootstrap, String group, JobConfig.Topics topics) {
        this.group = group;
        for (String topic : List.of(topics.reports(), topics.outcomes())) {
            end.putAll(KafkaIo.endOffsets(bootstrap, topic, IsolationLevel.READ_COMMITTED));
        }
        this.total = end.values().stream().mapToLong(Long::longValue).sum();
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "group-progress");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        this.admin = Admin.create(config);
    }

    /** Records in the input topics (the end offsets when this object was made). */
    long total() {
        return total;
    }

    /** Sum of the committed offsets over the input partitions; -1 when the broker does not answer. */
    long committed() throws InterruptedException {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions().timeoutMs(TIMEOUT_MS))
                    .partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS);
            long sum = 0;
            for (TopicPartition tp : end.keySet()) {
                OffsetAndMetadata o = offsets.get(tp);
                sum += o == null ? 0 : o.offset();
            }
            return sum;
        } catch (ExecutionException | TimeoutException brokerAwayOrBusy) {
            return -1;
        }
    }

    /** committed() / total(), or -1. */
    double fraction() throws InterruptedException {
        long c = committed();
        return c < 0 ? -1 : total == 0 ? 1.0 : (double) c / total;
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
