package dev.feedbackagg.io;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Output records already in their wire form: (Kafka key, Kafka value) bytes. The aggregated
 * records are encoded where they are made, then spread over the sink's subtasks by key, so that
 * the Kafka producer's work runs beside the Mechanism instead of in its thread; one key always goes
 * to one subtask, so records of one key keep their order.
 */
public final class EncodedRecords {
  private EncodedRecords() {}

  public static final TypeInformation<Tuple2<byte[], byte[]>> TYPE =
      Types.TUPLE(Types.PRIMITIVE_ARRAY(Types.BYTE), Types.PRIMITIVE_ARRAY(Types.BYTE));

  /** AggregatedPreference to (prompt_id UTF-8, single-object encoding), as AvroKafkaSerializer writes it. */
  public static final class EncodeAggregated
      implements MapFunction<AggregatedPreference, Tuple2<byte[], byte[]>> {
    private static final long serialVersionUID = 1L;
    private transient SingleObjectCodec<AggregatedPreference> codec;

    @Override
    public Tuple2<byte[], byte[]> map(AggregatedPreference r) {
      if (codec == null) {
        codec = SingleObjectCodec.of(AggregatedPreference.class);
      }
      return Tuple2.of(r.getPromptId().getBytes(StandardCharsets.UTF_8), codec.encode(r));
    }
  }

  /** Spreads encoded records over subtasks by the hash of their key bytes. */
  public static final KeySelector<Tuple2<byte[], byte[]>, Integer> BY_KEY = t -> Arrays.hashCode(t.f0);

  /** Writes encoded records to one topic as they are (timestamps left to the producer). */
  public static final class Writer implements KafkaRecordSerializationSchema<Tuple2<byte[], byte[]>> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public Writer(String topic) {
      this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        Tuple2<byte[], byte[]> record, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(topic, null, null, record.f0, record.f1);
    }
  }
}
