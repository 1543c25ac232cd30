package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.core.SourcedRecord;
import java.io.IOException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An input record and where it was read (ReportEvent, OutcomeEvent): the Avro record in Avro
 * binary (null-marked), then topic, partition and offset.
 */
abstract class OriginEventSerializer<T extends SourcedRecord<R>, R extends SpecificRecord>
    extends EventSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final Class<R> recordType;
  private transient AvroBinary<R> avro;

  OriginEventSerializer(Class<R> recordType) {
    this.recordType = recordType;
  }

  /** The event of a record read at topic, partition and offset. */
  abstract T event(R record, String topic, int partition, long offset);

  private AvroBinary<R> avro() {
    if (avro == null) {
      avro = new AvroBinary<>(recordType);
    }
    return avro;
  }

  @Override
  public T copy(T from) {
    R r = from.record();
    R copy = r == null ? null : SingleObjectCodec.specificData().deepCopy(r.getSchema(), r);
    return event(copy, from.topic(), from.partition(), from.offset());
  }

  @Override
  public void serialize(T e, DataOutputView out) throws IOException {
    R r = e.record();
    out.writeBoolean(r != null);
    if (r != null) {
      avro().write(r, out);
    }
    writeNullableString(e.topic(), out);
    out.writeInt(e.partition());
    out.writeLong(e.offset());
  }

  @Override
  public T deserialize(DataInputView in) throws IOException {
    R r = in.readBoolean() ? avro().read(in) : null;
    return event(r, readNullableString(in), in.readInt(), in.readLong());
  }
}
