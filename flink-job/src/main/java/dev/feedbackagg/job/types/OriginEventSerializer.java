package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.avro.wire.WireFormatException;
import dev.feedbackagg.core.SourcedRecord;
import java.io.IOException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An input record and where it was read (ReportEvent, OutcomeEvent): the Avro body of the record
 * (length-prefixed, -1 for none), then topic, partition and offset. The body is the bytes the
 * record was read from when it has them (no new encoding), and is decoded by the codec's
 * hand-written decoder of the input records; the topic, the same string for almost every record,
 * is read back through a cache of strings ({@link Utf8Strings}).
 */
abstract class OriginEventSerializer<T extends SourcedRecord<R>, R extends SpecificRecord>
    extends EventSerializer<T> {
  private static final long serialVersionUID = 2L;

  private final Class<R> recordType;
  private transient SingleObjectCodec<R> codec;
  private transient Utf8Strings strings;

  OriginEventSerializer(Class<R> recordType) {
    this.recordType = recordType;
  }

  /** The event of a record read at topic, partition and offset (encoded: its bytes, or null). */
  abstract T event(R record, byte[] encoded, String topic, int partition, long offset);

  private SingleObjectCodec<R> codec() {
    if (codec == null) {
      codec = SingleObjectCodec.of(recordType);
    }
    return codec;
  }

  private Utf8Strings strings() {
    if (strings == null) {
      strings = new Utf8Strings();
    }
    return strings;
  }

  @Override
  public T copy(T from) {
    R r = from.record();
    R copy = r == null ? null : SingleObjectCodec.specificData().deepCopy(r.getSchema(), r);
    return event(copy, from.encoded(), from.topic(), from.partition(), from.offset());
  }

  @Override
  public void serialize(T e, DataOutputView out) throws IOException {
    R r = e.record();
    if (r == null) {
      out.writeInt(-1);
    } else {
      byte[] encoded = e.encoded();
      if (encoded == null) {
        encoded = codec().encode(r);
      }
      int bodyLength = encoded.length - SingleObjectCodec.HEADER_LENGTH;
      out.writeInt(bodyLength);
      out.write(encoded, SingleObjectCodec.HEADER_LENGTH, bodyLength);
    }
    strings().write(e.topic(), out);
    out.writeInt(e.partition());
    out.writeLong(e.offset());
  }

  @Override
  public T deserialize(DataInputView in) throws IOException {
    int bodyLength = in.readInt();
    R r = null;
    if (bodyLength >= 0) {
      byte[] body = strings().bytes(in, bodyLength);
      try {
        r = codec().decodeBody(body, 0, bodyLength);
      } catch (WireFormatException ex) {
        throw new IOException("a " + recordType.getSimpleName() + " that its serializer wrote does not decode", ex);
      }
    }
    String topic = strings().readRepeated(in);
    return event(r, null, topic, in.readInt(), in.readLong());
  }
}
