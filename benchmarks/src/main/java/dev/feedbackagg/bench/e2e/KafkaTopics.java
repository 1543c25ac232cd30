package dev.feedbackagg.bench.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Topic creation and deletion, end offsets and a read_committed scan, for the harness. */
final class KafkaTopics implements AutoCloseable {
  private final String bootstrap;
  private final Admin admin;
  private final Set<String> created = ConcurrentHashMap.newKeySet();

  KafkaTopics(String bootstrap) {
    this.bootstrap = bootstrap;
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    this.admin = Admin.create(p);
  }

  String bootstrap() {
    return bootstrap;
  }

  /** Creates a topic (replication factor 1) and remembers it for {@link #deleteCreated()}. */
  void create(String name, int partitions, Map<String, String> configs) throws Exception {
    NewTopic t = new NewTopic(name, partitions, (short) 1).configs(configs);
    admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
    created.add(name);
  }

  void create(String name, int partitions) throws Exception {
    create(name, partitions, Map.of());
  }

  /** The six topics of the real job, with the partitions of deploy/local/kafka.sh. */
  void createJobOutputs(String prefix) throws Exception {
    create(prefix + ".aggregated", 4);
    create(prefix + ".regret", 1);
    create(prefix + ".labeler-weights", 4, Map.of("cleanup.policy", "compact"));
    create(prefix + ".dlq", 1);
  }

  /** Deletes the topics this object created. */
  void deleteCreated() {
    if (created.isEmpty()) {
      return;
    }
    try {
      admin.deleteTopics(new ArrayList<>(created)).all().get(60, TimeUnit.SECONDS);
      created.clear();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("deleting topics " + created + " failed: " + e.getMessage());
    }
  }

  List<TopicPartition> partitions(String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer("read_uncommitted")) {
      List<TopicPartition> out = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> out.add(new TopicPartition(topic, p.partition())));
      return out;
    }
  }

  /** Sum of the end offsets (for a topic without transactions: the number of records). */
  long endOffsetSum(String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer("read_uncommitted")) {
      List<TopicPartition> ps = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> ps.add(new TopicPartition(topic, p.partition())));
      return c.endOffsets(ps, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Committed records of a topic and the smallest and largest record timestamps among them. */
  record Scan(long records, long minTimestamp, long maxTimestamp) {}

  /** Reads a topic to its last stable offset with read_committed (outside any timing). */
  Scan scanCommitted(String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer("read_committed")) {
      List<TopicPartition> ps = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> ps.add(new TopicPartition(topic, p.partition())));
      c.assign(ps);
      c.seekToBeginning(ps);
      Map<TopicPartition, Long> end = c.endOffsets(ps, Duration.ofSeconds(30));
      long n = 0;
      long minTs = Long.MAX_VALUE;
      long maxTs = Long.MIN_VALUE;
      long idleSince = System.currentTimeMillis();
      while (!reached(c, end)) {
        var records = c.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          if (System.currentTimeMillis() - idleSince > 30_000) {
            throw new IllegalStateException("scan of " + topic + " stalled at " + n + " records");
          }
          continue;
        }
        idleSince = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          n++;
          minTs = Math.min(minTs, r.timestamp());
          maxTs = Math.max(maxTs, r.timestamp());
        }
      }
      return new Scan(n, minTs, maxTs);
    }
  }

  private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (c.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  KafkaConsumer<byte[], byte[]> consumer(String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(10));
  }
}
