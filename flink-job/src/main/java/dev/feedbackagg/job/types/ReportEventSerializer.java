package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.core.ReportEvent;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** A report and where it was read: the report in Avro binary, then topic, partition, offset. */
public final class ReportEventSerializer extends EventSerializer<ReportEvent> {
  private static final long serialVersionUID = 1L;

  private transient AvroBinary<LabelerReport> avro;

  private AvroBinary<LabelerReport> avro() {
    if (avro == null) {
      avro = new AvroBinary<>(LabelerReport.class);
    }
    return avro;
  }

  @Override
  public TypeSerializer<ReportEvent> duplicate() {
    return new ReportEventSerializer();
  }

  @Override
  public ReportEvent createInstance() {
    return new ReportEvent();
  }

  @Override
  public ReportEvent copy(ReportEvent from) {
    LabelerReport report = from.report == null ? null : LabelerReport.newBuilder(from.report).build();
    return new ReportEvent(report, from.topic, from.partition, from.offset);
  }

  @Override
  public void serialize(ReportEvent r, DataOutputView out) throws IOException {
    out.writeBoolean(r.report != null);
    if (r.report != null) {
      avro().write(r.report, out);
    }
    writeNullableString(r.topic, out);
    out.writeInt(r.partition);
    out.writeLong(r.offset);
  }

  @Override
  public ReportEvent deserialize(DataInputView in) throws IOException {
    LabelerReport report = in.readBoolean() ? avro().read(in) : null;
    return new ReportEvent(report, readNullableString(in), in.readInt(), in.readLong());
  }

  @Override
  public TypeSerializerSnapshot<ReportEvent> snapshotConfiguration() {
    return new Snapshot();
  }

  /** No configuration: the format is this class's. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<ReportEvent> {
    public Snapshot() {
      super(ReportEventSerializer::new);
    }
  }
}
