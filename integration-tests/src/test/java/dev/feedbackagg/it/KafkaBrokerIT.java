package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test of {@link KafkaBroker}: a real broker process, transactions, and a crash + restart. */
class KafkaBrokerIT {

    private static final String TOPIC = "smoke";
    private static final int RECORDS = 1000;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** Kept when the test fails, so broker.log and process.out can be read. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path workDir;

    @Test
    void committedRecordsSurviveKillAndRestart() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(workDir)) {
            System.out.printf("Kafka broker %s ready in %d ms%n", broker, broker.lastStartDuration().toMillis());
            broker.createTopics(2, TOPIC);

            Set<String> committed = IntStream.range(0, RECORDS).mapToObj(i -> "value-" + i)
                    .collect(Collectors.toSet());
            String transactionalId = "kafka-broker-it-" + UUID.randomUUID();
            try (KafkaProducer<String, String> producer = transactionalProducer(broker, transactionalId)) {
                producer.initTransactions();
                // An aborted transaction first: read_committed must hide it.
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "key-" + i, "aborted-" + i));
                }
                producer.flush();
                producer.abortTransaction();

                producer.beginTransaction();
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "key-" + i, "value-" + i));
                }
                producer.commitTransaction();
            }

            List<ConsumerRecord<String, String>> before = readCommitted(broker);
            assertExactly(before, committed);
            assertThat(before).extracting(ConsumerRecord::partition).containsOnly(0, 1);

            broker.kill();
            assertThat(broker.isRunning()).isFalse();
            broker.restart();
            System.out.printf("Kafka broker restarted after kill in %d ms%n", broker.lastStartDuration().toMillis());

            assertExactly(readCommitted(broker), committed);

            // The restarted broker takes new transactions from the same transactional id.
            try (KafkaProducer<String, String> producer = transactionalProducer(broker, transactionalId)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "key-after", "after-restart"));
                producer.commitTransaction();
            }
            Set<String> all = new HashSet<>(committed);
            all.add("after-restart");
            assertExactly(readCommitted(broker), all);
        }
    }

    private static void assertExactly(List<ConsumerRecord<String, String>> records, Set<String> expected) {
        List<String> values = records.stream().map(ConsumerRecord::value).collect(Collectors.toList());
        assertThat(values).hasSize(expected.size());
        assertThat(new HashSet<>(values)).isEqualTo(expected);
    }

    private static KafkaProducer<String, String> transactionalProducer(KafkaBroker broker, String transactionalId) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(config);
    }

    /**
     * Reads the whole topic with read_committed, from the beginning up to the last stable offset of
     * every partition (so "everything" is defined by the broker, not by a quiet period), once the
     * markers of the transactions already committed or aborted are written: commitTransaction
     * returns before they are.
     */
    private static List<ConsumerRecord<String, String>> readCommitted(KafkaBroker broker) {
        KafkaIo.awaitNoOpenTransactions(broker.bootstrapServers(), TOPIC);
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC, READ_TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .collect(Collectors.toList());
            assertThat(partitions).hasSize(2);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed, endOffsets are last stable offsets.
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, READ_TIMEOUT));

            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!end.isEmpty()) {
                assertThat(System.nanoTime() - deadline)
                        .as("read up to the last stable offsets %s within %s", end, READ_TIMEOUT)
                        .isNegative();
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                end.entrySet().removeIf(e -> consumer.position(e.getKey(), READ_TIMEOUT) >= e.getValue());
            }
            return records;
        }
    }
}
