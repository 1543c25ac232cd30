package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.core.OutcomeEvent;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** An outcome and where it was read: the outcome in Avro binary, then topic, partition, offset. */
public final class OutcomeEventSerializer extends EventSerializer<OutcomeEvent> {
  private static final long serialVersionUID = 1L;

  private transient AvroBinary<PreferenceOutcome> avro;

  private AvroBinary<PreferenceOutcome> avro() {
    if (avro == null) {
      avro = new AvroBinary<>(PreferenceOutcome.class);
    }
    return avro;
  }

  @Override
  public TypeSerializer<OutcomeEvent> duplicate() {
    return new OutcomeEventSerializer();
  }

  @Override
  public OutcomeEvent createInstance() {
    return new OutcomeEvent();
  }

  @Override
  public OutcomeEvent copy(OutcomeEvent from) {
    PreferenceOutcome outcome = from.outcome == null ? null : PreferenceOutcome.newBuilder(from.outcome).build();
    return new OutcomeEvent(outcome, from.topic, from.partition, from.offset);
  }

  @Override
  public void serialize(OutcomeEvent r, DataOutputView out) throws IOException {
    out.writeBoolean(r.outcome != null);
    if (r.outcome != null) {
      avro().write(r.outcome, out);
    }
    writeNullableString(r.topic, out);
    out.writeInt(r.partition);
    out.writeLong(r.offset);
  }

  @Override
  public OutcomeEvent deserialize(DataInputView in) throws IOException {
    PreferenceOutcome outcome = in.readBoolean() ? avro().read(in) : null;
    return new OutcomeEvent(outcome, readNullableString(in), in.readInt(), in.readLong());
  }

  @Override
  public TypeSerializerSnapshot<OutcomeEvent> snapshotConfiguration() {
    return new Snapshot();
  }

  /** No configuration: the format is this class's. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<OutcomeEvent> {
    public Snapshot() {
      super(OutcomeEventSerializer::new);
    }
  }
}
