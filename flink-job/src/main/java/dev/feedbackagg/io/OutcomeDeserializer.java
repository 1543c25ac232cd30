package dev.feedbackagg.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.io.RecordValidation.Problem;

/**
 * Reads the outcomes topic. Each record yields exactly one {@link Decoded}: an {@link OutcomeEvent}
 * with the record's topic/partition/offset, or a dead letter (see {@link ReportDeserializer}). In
 * JSON, {@code source} is required and must be one of the OutcomeSource symbols (else
 * OUT_OF_RANGE).
 */
public final class OutcomeDeserializer extends RecordDeserializer<PreferenceOutcome> {

  private static final long serialVersionUID = 1L;

  public OutcomeDeserializer(InputFormat format) {
    super(format, PreferenceOutcome.class);
  }

  @Override
  PreferenceOutcome fromJson(JsonNode o) throws JsonFields.Invalid {
    PreferenceOutcome r = new PreferenceOutcome();
    r.setCohort(JsonFields.text(o, "cohort"));
    r.setPromptId(JsonFields.text(o, "prompt_id"));
    r.setOutcome(JsonFields.number(o, "outcome"));
    r.setSource(JsonFields.symbol(o, "source", OutcomeSource.class));
    r.setEventTime(JsonFields.int64(o, "event_time"));
    return r;
  }

  @Override
  Problem validate(PreferenceOutcome record) {
    return RecordValidation.validate(record);
  }

  @Override
  long eventTime(PreferenceOutcome record) {
    return record.getEventTime();
  }

  @Override
  Decoded wrap(PreferenceOutcome record, byte[] encoded, String topic, int partition, long offset) {
    return Decoded.ofOutcome(OutcomeEvent.decoded(record, encoded, topic, partition, offset));
  }
}
