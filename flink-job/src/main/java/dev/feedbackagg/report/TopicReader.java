package dev.feedbackagg.report;

import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.avro.wire.WireFormatException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one cohort's regret and labeler-weight records from the job's output topics, with
 * read_committed isolation (only what the job's transactions committed), until the cohort's
 * end-of-input snapshot has come and the weights topic has been read to its end.
 */
public final class TopicReader implements AutoCloseable {
  private static final SingleObjectCodec<RegretMetrics> REGRET = SingleObjectCodec.of(RegretMetrics.class);
  private static final SingleObjectCodec<LabelerWeight> WEIGHT = SingleObjectCodec.of(LabelerWeight.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String regretTopic;
  private final String weightsTopic;
  private final String cohort;
  private final List<RegretMetrics> regret = new ArrayList<>();
  private final List<LabelerWeight> weights = new ArrayList<>();
  private List<TopicPartition> weightPartitions;

  public TopicReader(String bootstrap, String regretTopic, String weightsTopic, String cohort,
      Map<String, String> kafkaProperties) {
    Properties p = new Properties();
    p.putAll(kafkaProperties);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    this.consumer = new KafkaConsumer<>(p);
    this.regretTopic = regretTopic;
    this.weightsTopic = weightsTopic;
    this.cohort = cohort;
  }

  /** True when the end-of-input snapshot was read and the weights are read to the end. */
  public boolean complete() {
    return !regret.isEmpty() && regret.get(regret.size() - 1).getEndOfInput() && weightsAtEnd();
  }

  private boolean weightsAtEnd() {
    Map<TopicPartition, Long> end = consumer.endOffsets(weightPartitions);
    for (TopicPartition tp : weightPartitions) {
      if (consumer.position(tp) < end.get(tp)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads until complete or the deadline; calls onSnapshot for every new regret snapshot.
   *
   * @return whether the end-of-input snapshot came
   */
  public boolean read(Duration wait, Consumer<RegretMetrics> onSnapshot) {
    List<TopicPartition> all = new ArrayList<>();
    weightPartitions = partitions(weightsTopic, wait);
    all.addAll(partitions(regretTopic, wait));
    all.addAll(weightPartitions);
    consumer.assign(all);
    consumer.seekToBeginning(all);
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        try {
          if (r.topic().equals(regretTopic)) {
            RegretMetrics m = REGRET.decode(r.value());
            if (m.getCohort().equals(cohort)) {
              regret.add(m);
              onSnapshot.accept(m);
            }
          } else {
            LabelerWeight w = WEIGHT.decode(r.value());
            if (w.getCohort().equals(cohort)) {
              weights.add(w);
            }
          }
        } catch (WireFormatException e) {
          throw new IllegalStateException(r.topic() + "/" + r.partition() + "@" + r.offset()
              + " is not a record of the job: " + e.getMessage(), e);
        }
      }
      if (complete()) {
        return true;
      }
    }
    return false;
  }

  private List<TopicPartition> partitions(String topic, Duration wait) {
    Map<String, List<PartitionInfo>> topics = new HashMap<>(consumer.listTopics(wait));
    List<PartitionInfo> infos = topics.get(topic);
    if (infos == null) {
      throw new IllegalStateException("topic " + topic + " does not exist");
    }
    List<TopicPartition> tps = new ArrayList<>();
    for (PartitionInfo i : infos) {
      tps.add(new TopicPartition(topic, i.partition()));
    }
    return tps;
  }

  /** The records read, regret in snapshot order, weights in the order written per labeler. */
  public RunRecords records() {
    List<RegretMetrics> sorted = new ArrayList<>(regret);
    sorted.sort((a, b) -> Long.compare(a.getSnapshotTime(), b.getSnapshotTime()));
    List<LabelerWeight> w = new ArrayList<>(weights);
    w.sort((a, b) -> {
      int c = Long.compare(a.getSnapshotTime(), b.getSnapshotTime());
      return c != 0 ? c : a.getLabelerId().compareTo(b.getLabelerId());
    });
    return new RunRecords(sorted, w);
  }

  @Override
  public void close() {
    consumer.close();
  }
}
