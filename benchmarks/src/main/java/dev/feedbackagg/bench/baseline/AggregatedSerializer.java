package dev.feedbackagg.bench.baseline;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One output record: key prompt_id (UTF-8), value Avro single-object encoding, no timestamp (the
 * producer's clock), as the real job's aggregated sink.
 */
public final class AggregatedSerializer implements KafkaRecordSerializationSchema<AggregatedPreference> {

  private static final long serialVersionUID = 1L;

  private final String topic;
  private transient SingleObjectCodec<AggregatedPreference> codec;

  public AggregatedSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    codec = SingleObjectCodec.of(AggregatedPreference.class);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      AggregatedPreference element, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic, null, null, element.getPromptId().getBytes(StandardCharsets.UTF_8), codec.encode(element));
  }
}
