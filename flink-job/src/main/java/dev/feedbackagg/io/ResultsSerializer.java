package dev.feedbackagg.io;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.LabelerWeight;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Mechanism's results for the sink that writes two topics: an aggregate (left) as {@link
 * AvroKafkaSerializer#aggregated} writes it, a labeler weight (right) as {@link
 * AvroKafkaSerializer#weights} does.
 */
public final class ResultsSerializer
    implements KafkaRecordSerializationSchema<Either<AggregatedPreference, LabelerWeight>> {
  private static final long serialVersionUID = 1L;

  private final AvroKafkaSerializer<AggregatedPreference> aggregated;
  private final AvroKafkaSerializer<LabelerWeight> weights;

  ResultsSerializer(String aggregatedTopic, String weightsTopic) {
    this.aggregated = AvroKafkaSerializer.aggregated(aggregatedTopic);
    this.weights = AvroKafkaSerializer.weights(weightsTopic);
  }

  @Override
  public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) throws Exception {
    aggregated.open(context, sinkContext);
    weights.open(context, sinkContext);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      Either<AggregatedPreference, LabelerWeight> element, KafkaSinkContext context, Long timestamp) {
    return element.isLeft()
        ? aggregated.serialize(element.left(), context, timestamp)
        : weights.serialize(element.right(), context, timestamp);
  }
}
