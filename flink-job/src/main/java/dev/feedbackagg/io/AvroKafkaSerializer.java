package dev.feedbackagg.io;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes one output record to one topic: value in Avro single-object encoding, key from the record.
 *
 * <p>The Kafka timestamp is left to the producer (wall-clock time), never set from the Flink
 * element timestamp: event times can lie far in the future (the end-of-input regret snapshot is at
 * Long.MAX_VALUE) and a Kafka 4 broker rejects CreateTime timestamps more than
 * log.message.timestamp.after.max.ms (default one hour) ahead of its clock, which would fail the
 * transactional sink; time-based retention also expects wall-clock timestamps. Every record carries
 * its own event time in its payload.
 */
public final class AvroKafkaSerializer<T extends SpecificRecord>
    implements KafkaRecordSerializationSchema<T> {

  private static final long serialVersionUID = 1L;

  /** The Kafka key of a record, encoded UTF-8; null for no key. */
  @FunctionalInterface
  public interface KeyOf<T> extends Serializable {
    String keyOf(T record);
  }

  /** The raw key bytes of a record; null for no key. */
  @FunctionalInterface
  private interface KeyBytes<T> extends Serializable {
    byte[] keyOf(T record);
  }

  private final String topic;
  private final Class<T> type;
  private final KeyBytes<T> key;

  /** Not Serializable: built on first use in each task. */
  private transient SingleObjectCodec<T> codec;

  public AvroKafkaSerializer(String topic, Class<T> type, KeyOf<T> keyOf) {
    this(topic, type, utf8(Objects.requireNonNull(keyOf, "keyOf")));
  }

  private AvroKafkaSerializer(String topic, Class<T> type, KeyBytes<T> key) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.type = Objects.requireNonNull(type, "type");
    this.key = key;
  }

  /** feedback.aggregated: key prompt_id. */
  public static AvroKafkaSerializer<AggregatedPreference> aggregated(String topic) {
    KeyOf<AggregatedPreference> key = AggregatedPreference::getPromptId;
    return new AvroKafkaSerializer<>(topic, AggregatedPreference.class, key);
  }

  /** feedback.regret: key cohort. */
  public static AvroKafkaSerializer<RegretMetrics> regret(String topic) {
    KeyOf<RegretMetrics> key = RegretMetrics::getCohort;
    return new AvroKafkaSerializer<>(topic, RegretMetrics.class, key);
  }

  /** feedback.labeler-weights (compacted): key cohort + "/" + labeler_id. */
  public static AvroKafkaSerializer<LabelerWeight> weights(String topic) {
    KeyOf<LabelerWeight> key = w -> w.getCohort() + "/" + w.getLabelerId();
    return new AvroKafkaSerializer<>(topic, LabelerWeight.class, key);
  }

  /** The Mechanism's results: aggregates to aggregatedTopic, labeler weights to weightsTopic. */
  public static ResultsSerializer results(String aggregatedTopic, String weightsTopic) {
    return new ResultsSerializer(aggregatedTopic, weightsTopic);
  }

  /** feedback.dlq: key = the dead letter's original key bytes (null when the record had none). */
  public static AvroKafkaSerializer<DeadLetter> deadLetters(String topic) {
    KeyBytes<DeadLetter> key = d -> DeadLetters.bytes(d.getKey());
    return new AvroKafkaSerializer<>(topic, DeadLetter.class, key);
  }

  public String topic() {
    return topic;
  }

  @Override
  public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    codec();
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(topic, null, null, key.keyOf(element), codec().encode(element));
  }

  private SingleObjectCodec<T> codec() {
    if (codec == null) {
      codec = SingleObjectCodec.of(type);
    }
    return codec;
  }

  private static <T> KeyBytes<T> utf8(KeyOf<T> keyOf) {
    return r -> {
      String k = keyOf.keyOf(r);
      return k == null ? null : k.getBytes(StandardCharsets.UTF_8);
    };
  }
}
