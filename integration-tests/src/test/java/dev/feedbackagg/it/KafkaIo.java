package dev.feedbackagg.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plain Kafka clients for the integration tests: an idempotent producer of raw bytes, and a reader
 * that takes a whole topic up to the offsets the broker reports as its end (with read_committed,
 * the last stable offsets), so "everything" is defined by the broker and not by a quiet period.
 */
final class KafkaIo {
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    private KafkaIo() {}

    /** One record to send: topic, key and value bytes (value null: a tombstone). */
    record Outgoing(String topic, byte[] key, byte[] value) {}

    /** Where a sent record landed. */
    record Landed(String topic, int partition, long offset) {}

    /**
     * Sends the records in the given order with one idempotent producer (acks=all, so per
     * partition the broker keeps the order) and returns where each landed, in the same order.
     * The producer stamps the current time: event times of the test data are far in the past
     * and would be eligible for time-based retention.
     */
    static List<Landed> produce(String bootstrap, List<Outgoing> records) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis());
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis() / 2);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (Outgoing o : records) {
                sent.add(producer.send(new ProducerRecord<>(o.topic(), o.key(), o.value())));
            }
            producer.flush();
            List<Landed> landed = new ArrayList<>(sent.size());
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get(CLIENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                landed.add(new Landed(m.topic(), m.partition(), m.offset()));
            }
            return landed;
        } catch (ExecutionException e) {
            throw new IllegalStateException("sending to " + bootstrap + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("sending to " + bootstrap + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending", e);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, IsolationLevel isolation) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        // The whole topic is there already: do not let the broker hold a fetch for more data.
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(config);
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.partitionsFor(topic, CLIENT_TIMEOUT).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition))
                .collect(Collectors.toList());
    }

    /** End offsets of every partition: high watermarks (read_uncommitted) or last stable offsets (read_committed). */
    static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic, IsolationLevel isolation) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, isolation)) {
            return new HashMap<>(consumer.endOffsets(partitions(consumer, topic), CLIENT_TIMEOUT));
        }
    }

    /**
     * Waits until no transaction is open on any partition of the topic: until the last stable
     * offsets have reached the high watermarks taken at the call. A producer's commitTransaction
     * returns once the coordinator has logged the commit; the markers that make the records readable
     * with read_committed are written to the partitions after that. A read_committed consumer placed
     * at the last stable offsets moves past a marker only when the broker has it, so the wait is on
     * the broker's fetch, not on a clock. Throws when a transaction stays open longer than
     * {@link #CLIENT_TIMEOUT} (far below the transaction timeouts the tests use, so a transaction
     * left open is reported, not waited out).
     */
    static void awaitNoOpenTransactions(String bootstrap, String topic) {
        Map<TopicPartition, Long> highWatermarks = endOffsets(bootstrap, topic, IsolationLevel.READ_UNCOMMITTED);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, IsolationLevel.READ_COMMITTED)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.endOffsets(partitions, CLIENT_TIMEOUT).forEach(consumer::seek);
            pollUntil(consumer, highWatermarks, r -> {},
                    "transactions on " + topic + " still open: the last stable offsets did not reach the high watermarks");
        }
    }

    /**
     * Polls until the consumer's position in every partition of end has reached its offset there,
     * handing each record read to sink; throws (what, the offsets not reached) after
     * {@link #CLIENT_TIMEOUT}.
     */
    private static void pollUntil(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink, String what) {
        Map<TopicPartition, Long> left = new HashMap<>(end);
        long deadline = System.nanoTime() + CLIENT_TIMEOUT.toNanos();
        left.entrySet().removeIf(e -> consumer.position(e.getKey(), CLIENT_TIMEOUT) >= e.getValue());
        while (!left.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(what + " " + left + " within " + CLIENT_TIMEOUT);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(sink);
            left.entrySet().removeIf(e -> consumer.position(e.getKey(), CLIENT_TIMEOUT) >= e.getValue());
        }
    }

    /**
     * Every record of the topic from the beginning up to the end offsets at the time of the call,
     * partition by partition in offset order (partitions ascending).
     */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, IsolationLevel isolation) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, isolation)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
            pollUntil(consumer, consumer.endOffsets(partitions, CLIENT_TIMEOUT),
                    r -> byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r),
                    "reading " + topic + " (" + isolation + ") did not reach the end offsets");
            List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                all.addAll(byPartition.getOrDefault(tp.partition(), List.of()));
            }
            return all;
        }
    }
}
