package dev.feedbackagg.job.types;

import java.io.IOException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An input record and where it was read (ReportEvent, OutcomeEvent): the Avro record in Avro
 * binary (null-marked), then topic, partition and offset.
 */
abstract class OriginEventSerializer<T, R extends SpecificRecord> extends EventSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final Class<R> recordType;
  private transient AvroBinary<R> avro;

  OriginEventSerializer(Class<R> recordType) {
    this.recordType = recordType;
  }

  abstract R record(T event);

  abstract String topic(T event);

  abstract int partition(T event);

  abstract long offset(T event);

  abstract T event(R record, String topic, int partition, long offset);

  /** A deep copy of the record (Avro's generated builder copies every field). */
  abstract R copyRecord(R record);

  private AvroBinary<R> avro() {
    if (avro == null) {
      avro = new AvroBinary<>(recordType);
    }
    return avro;
  }

  @Override
  public T copy(T from) {
    R r = record(from);
    return event(r == null ? null : copyRecord(r), topic(from), partition(from), offset(from));
  }

  @Override
  public void serialize(T e, DataOutputView out) throws IOException {
    R r = record(e);
    out.writeBoolean(r != null);
    if (r != null) {
      avro().write(r, out);
    }
    writeNullableString(topic(e), out);
    out.writeInt(partition(e));
    out.writeLong(offset(e));
  }

  @Override
  public T deserialize(DataInputView in) throws IOException {
    R r = in.readBoolean() ? avro().read(in) : null;
    return event(r, readNullableString(in), in.readInt(), in.readLong());
  }
}
