package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.core.ReportEvent;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/** A report and where it was read. */
public final class ReportEventSerializer extends OriginEventSerializer<ReportEvent, LabelerReport> {
  private static final long serialVersionUID = 1L;

  public ReportEventSerializer() {
    super(LabelerReport.class);
  }

  @Override
  ReportEvent event(LabelerReport r, byte[] encoded, String topic, int partition, long offset) {
    return ReportEvent.decoded(r, encoded, topic, partition, offset);
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
