package dev.feedbackagg.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.io.RecordValidation.Problem;

/**
 * Reads the reports topic. Each record yields exactly one {@link Decoded}: a {@link ReportEvent}
 * with the record's topic/partition/offset, or a dead letter (MALFORMED, UNKNOWN_SCHEMA,
 * MISSING_FIELD, OUT_OF_RANGE) whose key and value are the raw bytes and whose time is the report's
 * event time when the record was fully read, else the Kafka timestamp.
 */
public final class ReportDeserializer extends RecordDeserializer<LabelerReport> {

  private static final long serialVersionUID = 1L;

  public ReportDeserializer(InputFormat format) {
    super(format, LabelerReport.class);
  }

  @Override
  LabelerReport fromJson(JsonNode o) throws JsonFields.Invalid {
    // Schema order, so the first problem reported is deterministic.
    LabelerReport r = new LabelerReport();
    r.setReportId(JsonFields.text(o, "report_id"));
    r.setCohort(JsonFields.text(o, "cohort"));
    r.setPromptId(JsonFields.text(o, "prompt_id"));
    r.setResponseAId(JsonFields.text(o, "response_a_id"));
    r.setResponseBId(JsonFields.text(o, "response_b_id"));
    r.setLabelerId(JsonFields.text(o, "labeler_id"));
    r.setPreference(JsonFields.number(o, "preference"));
    r.setExpectedLabels(JsonFields.optionalInt32(o, "expected_labels"));
    r.setEventTime(JsonFields.int64(o, "event_time"));
    return r;
  }

  @Override
  Problem validate(LabelerReport record) {
    return RecordValidation.validate(record);
  }

  @Override
  long eventTime(LabelerReport record) {
    return record.getEventTime();
  }

  @Override
  Decoded wrap(LabelerReport record, byte[] encoded, String topic, int partition, long offset) {
    return Decoded.ofReport(ReportEvent.decoded(record, encoded, topic, partition, offset));
  }
}
