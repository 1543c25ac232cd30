package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.avro.wire.WireFormatException;
import dev.feedbackagg.core.SourcedRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An input record and where it was read (ReportEvent, OutcomeEvent): the Avro body of the record
 * (length-prefixed, -1 for none), then topic, partition and offset. The body is the bytes the
 * record was read from when it has them (no new encoding), and is decoded by the codec's
 * hand-written decoder of the input records; the topic, the same string for almost every record,
 * is read back as the string of the record before when its bytes are the same.
 */
abstract class OriginEventSerializer<T extends SourcedRecord<R>, R extends SpecificRecord>
    extends EventSerializer<T> {
  private static final long serialVersionUID = 2L;

  private final Class<R> recordType;
  private transient SingleObjectCodec<R> codec;
  private transient byte[] scratch;
  private transient byte[] lastTopicBytes;
  private transient String lastTopic;

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
    writeTopic(e.topic(), out);
    out.writeInt(e.partition());
    out.writeLong(e.offset());
  }

  @Override
  public T deserialize(DataInputView in) throws IOException {
    int bodyLength = in.readInt();
    R r = null;
    if (bodyLength >= 0) {
      byte[] body = scratch(bodyLength);
      in.readFully(body, 0, bodyLength);
      try {
        r = codec().decodeBody(body, 0, bodyLength);
      } catch (WireFormatException ex) {
        throw new IOException("a " + recordType.getSimpleName() + " that its serializer wrote does not decode", ex);
      }
    }
    String topic = readTopic(in);
    return event(r, null, topic, in.readInt(), in.readLong());
  }

  private void writeTopic(String topic, DataOutputView out) throws IOException {
    if (topic == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = topic.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private String readTopic(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = scratch(n);
    in.readFully(b, 0, n);
    if (lastTopicBytes == null || !Arrays.equals(b, 0, n, lastTopicBytes, 0, lastTopicBytes.length)) {
      lastTopicBytes = Arrays.copyOf(b, n);
      lastTopic = new String(b, 0, n, StandardCharsets.UTF_8);
    }
    return lastTopic;
  }

  /** A buffer of at least n bytes, reused from record to record (a serializer serves one thread). */
  private byte[] scratch(int n) {
    if (scratch == null || scratch.length < n) {
      scratch = new byte[Math.max(n, 256)];
    }
    return scratch;
  }
}
