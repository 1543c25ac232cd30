package dev.feedbackagg.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.avro.wire.WireFormatException;
import dev.feedbackagg.io.RecordValidation.Problem;
import java.util.Objects;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns every Kafka record into exactly one {@link Decoded}: the validated event, or a dead letter
 * with a reason code. Never throws for bad data.
 */
abstract class RecordDeserializer<R extends SpecificRecord>
    implements KafkaRecordDeserializationSchema<Decoded> {

  private static final long serialVersionUID = 1L;

  private final InputFormat format;
  private final Class<R> type;

  /** Not Serializable: built on first use in each task. */
  private transient SingleObjectCodec<R> codec;

  RecordDeserializer(InputFormat format, Class<R> type) {
    this.format = Objects.requireNonNull(format, "format");
    this.type = type;
  }

  public InputFormat format() {
    return format;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec();
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Decoded> out) {
    out.collect(decode(record));
  }

  /** The one result for a record. */
  public Decoded decode(ConsumerRecord<byte[], byte[]> record) {
    try {
      byte[] value = record.value();
      if (value == null) {
        return dead(record, DeadLetterReason.MALFORMED, "value: null (tombstone)");
      }
      R parsed;
      try {
        parsed = format == InputFormat.AVRO ? codec().decode(value) : fromJson(JsonFields.parseObject(value));
      } catch (WireFormatException e) {
        DeadLetterReason reason =
            e.kind() == WireFormatException.Kind.UNKNOWN_SCHEMA
                ? DeadLetterReason.UNKNOWN_SCHEMA
                : DeadLetterReason.MALFORMED;
        return dead(record, reason, "value: " + e.getMessage());
      } catch (JsonFields.Invalid e) {
        return dead(record, e.problem.reason(), e.problem.message());
      }
      Problem problem = validate(parsed);
      if (problem != null) {
        long eventTime = eventTime(parsed);
        return Decoded.ofDeadLetter(
            DeadLetters.forRecord(
                record, problem.reason(), problem.message(),
                eventTime >= 0 ? eventTime : record.timestamp()));
      }
      // The Avro bytes go along, so that the record crosses the network without a new encoding.
      return wrap(parsed, format == InputFormat.AVRO ? value : null,
          record.topic(), record.partition(), record.offset());
    } catch (RuntimeException e) {
      // Defensive: whatever a record contains, the job must not fail on it.
      return dead(record, DeadLetterReason.MALFORMED, "value: undecodable: " + e);
    }
  }

  @Override
  public TypeInformation<Decoded> getProducedType() {
    return TypeInformation.of(Decoded.class);
  }

  private SingleObjectCodec<R> codec() {
    if (codec == null) {
      codec = SingleObjectCodec.of(type);
    }
    return codec;
  }

  private static Decoded dead(
      ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason, String message) {
    return Decoded.ofDeadLetter(DeadLetters.forRecord(record, reason, message));
  }

  /** Reads the record from a JSON object; field problems are thrown as {@link JsonFields.Invalid}. */
  abstract R fromJson(JsonNode object) throws JsonFields.Invalid;

  abstract Problem validate(R record);

  abstract long eventTime(R record);

  /** The decoded record as an event; encoded: its single-object bytes, or null (JSON). */
  abstract Decoded wrap(R record, byte[] encoded, String topic, int partition, long offset);
}
