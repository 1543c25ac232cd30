package dev.feedbackagg.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.io.RecordValidation.Problem;
import org.junit.jupiter.api.Test;

class RecordValidationTest {

  @Test
  void validRecordsHaveNoProblem() {
    assertThat(RecordValidation.validate(IoFixtures.report())).isNull();
    assertThat(RecordValidation.validate(IoFixtures.outcome())).isNull();
    LabelerReport edge = IoFixtures.report();
    edge.setPreference(0.0);
    edge.setExpectedLabels(null);
    edge.setEventTime(0L);
    assertThat(RecordValidation.validate(edge)).isNull();
    edge.setPreference(1.0);
    edge.setExpectedLabels(1);
    assertThat(RecordValidation.validate(edge)).isNull();
  }

  @Test
  void probability() {
    assertThat(RecordValidation.probability("preference", 0.5)).isNull();
    assertThat(RecordValidation.probability("preference", -0.0)).isNull();
    assertThat(RecordValidation.probability("preference", 1.5))
        .isEqualTo(new Problem(DeadLetterReason.OUT_OF_RANGE, "preference: 1.5 is not in [0,1]"));
    assertThat(RecordValidation.probability("outcome", Double.NaN))
        .isEqualTo(new Problem(DeadLetterReason.OUT_OF_RANGE, "outcome: NaN is not in [0,1]"));
    assertThat(RecordValidation.probability("outcome", Double.NEGATIVE_INFINITY).reason())
        .isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(RecordValidation.probability("outcome", null))
        .isEqualTo(new Problem(DeadLetterReason.MISSING_FIELD, "outcome: null"));
  }

  @Test
  void nonEmpty() {
    assertThat(RecordValidation.nonEmpty("cohort", "c")).isNull();
    assertThat(RecordValidation.nonEmpty("cohort", " ")).isNull();
    assertThat(RecordValidation.nonEmpty("cohort", ""))
        .isEqualTo(new Problem(DeadLetterReason.OUT_OF_RANGE, "cohort: \"\" must not be empty"));
    assertThat(RecordValidation.nonEmpty("cohort", null))
        .isEqualTo(new Problem(DeadLetterReason.MISSING_FIELD, "cohort: null"));
  }

  @Test
  void expectedLabelsAndEventTime() {
    assertThat(RecordValidation.expectedLabels(null)).isNull();
    assertThat(RecordValidation.expectedLabels(1)).isNull();
    assertThat(RecordValidation.expectedLabels(0))
        .isEqualTo(new Problem(DeadLetterReason.OUT_OF_RANGE, "expected_labels: 0 is less than 1"));
    assertThat(RecordValidation.eventTime(0L)).isNull();
    assertThat(RecordValidation.eventTime(-1L))
        .isEqualTo(new Problem(DeadLetterReason.OUT_OF_RANGE, "event_time: -1 is negative"));
    assertThat(RecordValidation.eventTime(null).reason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
  }

  @Test
  void firstProblemInSchemaOrderWins() {
    LabelerReport r = IoFixtures.report();
    r.setLabelerId("");
    r.setPreference(7.0);
    r.setEventTime(-3L);
    assertThat(RecordValidation.validate(r).message()).isEqualTo("labeler_id: \"\" must not be empty");
    r.setLabelerId("l");
    assertThat(RecordValidation.validate(r).message()).isEqualTo("preference: 7.0 is not in [0,1]");
  }

  @Test
  void outcomeChecks() {
    PreferenceOutcome o = IoFixtures.outcome();
    o.setSource(null); // a record built in code, never one off the wire
    assertThat(RecordValidation.validate(o))
        .isEqualTo(new Problem(DeadLetterReason.MISSING_FIELD, "source: null"));
    o = IoFixtures.outcome();
    o.setPromptId("");
    assertThat(RecordValidation.validate(o).reason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(RecordValidation.validate((PreferenceOutcome) null).reason())
        .isEqualTo(DeadLetterReason.MISSING_FIELD);
  }
}
