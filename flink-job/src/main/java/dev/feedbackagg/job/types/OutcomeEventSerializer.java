package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.core.OutcomeEvent;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/** An outcome and where it was read. */
public final class OutcomeEventSerializer extends OriginEventSerializer<OutcomeEvent, PreferenceOutcome> {
  private static final long serialVersionUID = 1L;

  public OutcomeEventSerializer() {
    super(PreferenceOutcome.class);
  }

  @Override
  OutcomeEvent event(PreferenceOutcome r, byte[] encoded, String topic, int partition, long offset) {
    return OutcomeEvent.decoded(r, encoded, topic, partition, offset);
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
