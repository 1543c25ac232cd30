package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.job.JobConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What the tests on the real Flink cluster share: the job jar, the topics, the kcat cross-check. */
final class ClusterRuns {
    /** System property with the job jar (set by failsafe in integration-tests/pom.xml). */
    static final String JOB_JAR_PROPERTY = "job.jar";

    private ClusterRuns() {}

    /** The shaded job jar: {@value #JOB_JAR_PROPERTY}, else ../flink-job/target/feedback-aggregation.jar. */
    static Path jobJar() {
        String configured = System.getProperty(JOB_JAR_PROPERTY);
        Path jar = (configured == null || configured.isBlank()
                ? Path.of("..", "flink-job", "target", "feedback-aggregation.jar")
                : Path.of(configured)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no job jar at " + jar + ": build it (mvn -B -q install -DskipTests)");
        }
        return jar;
    }

    /** The six topics as KafkaJobIT makes them: reports 3 partitions, outcomes 2, outputs 2, regret 1. */
    static void createTopics(KafkaBroker broker, JobConfig.Topics topics) {
        broker.createTopics(3, topics.reports());
        broker.createTopics(2, topics.outcomes());
        broker.createTopics(2, topics.aggregated(), topics.labelerWeights(), topics.deadLetters());
        broker.createTopics(1, topics.regret());
    }

    /**
     * Reads the four output topics again with kcat (read_committed) and checks that it sees exactly
     * the records the Java consumer saw: same partitions and offsets, same key and value bytes.
     * Returns the record count per topic.
     */
    static Map<String, Integer> assertKcatSeesTheSame(String bootstrap, JobConfig.Topics topics,
            ReferenceCheck.Actual actual) throws IOException, InterruptedException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put(topics.aggregated(), compare(bootstrap, topics.aggregated(), raw(actual.aggregated)));
        counts.put(topics.regret(), compare(bootstrap, topics.regret(), raw(actual.regret)));
        counts.put(topics.labelerWeights(), compare(bootstrap, topics.labelerWeights(), raw(actual.weights)));
        counts.put(topics.deadLetters(), compare(bootstrap, topics.deadLetters(), raw(actual.deadLetters)));
        return counts;
    }

    private static <T> List<ConsumerRecord<byte[], byte[]>> raw(List<ReferenceCheck.Out<T>> out) {
        return out.stream().map(ReferenceCheck.Out::raw).collect(Collectors.toList());
    }

    private static int compare(String bootstrap, String topic, List<ConsumerRecord<byte[], byte[]>> java)
            throws IOException, InterruptedException {
        List<Kcat.Message> kcat = Kcat.consume(bootstrap, topic).stream()
                .sorted(Comparator.comparingInt(Kcat.Message::partition).thenComparingLong(Kcat.Message::offset))
                .collect(Collectors.toList());
        List<ConsumerRecord<byte[], byte[]>> sorted = java.stream()
                .sorted(Comparator.comparingInt((ConsumerRecord<byte[], byte[]> r) -> r.partition())
                        .thenComparingLong(ConsumerRecord::offset))
                .collect(Collectors.toList());
        assertThat(kcat).as("kcat: committed records of %s", topic).hasSameSizeAs(sorted);
        for (int i = 0; i < kcat.size(); i++) {
            Kcat.Message k = kcat.get(i);
            ConsumerRecord<byte[], byte[]> j = sorted.get(i);
            String where = topic + "/" + j.partition() + "/" + j.offset();
            assertThat(k.partition() + "/" + k.offset()).as("kcat record %d of %s", i, topic)
                    .isEqualTo(j.partition() + "/" + j.offset());
            assertThat(Arrays.equals(k.key(), j.key())).as("kcat key of %s", where).isTrue();
            assertThat(Arrays.equals(k.value(), j.value())).as("kcat value of %s", where).isTrue();
        }
        return kcat.size();
    }
}
