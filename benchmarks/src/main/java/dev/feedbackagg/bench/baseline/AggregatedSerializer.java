package dev.feedbackagg.bench.baseline;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One output record: key prompt_id (UTF-8), value Avro single-object encoding, no timestamp (the
 * producer's clock), as the real job's aggregated sink.
 */
public final class AggregatedSerializer
    implements KafkaRecordSerializationSchema<AggregatedPreference>, KafkaDatasetFacetProvider {

  private static final long serialVersionUID = 1L;

  private final String topic;
  private transient SingleObjectCodec<AggregatedPreference> codec;

  public AggregatedSerializer(String topic) {
    this.topic = topic;
  }

  /** The topic written: the POOLING transaction naming needs it, as in the real job. */
  @Override
  public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
    return Optional.of(new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
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
