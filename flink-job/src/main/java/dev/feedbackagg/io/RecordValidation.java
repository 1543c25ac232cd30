package dev.feedbackagg.io;

import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.PreferenceOutcome;
import java.io.Serializable;

/**
 * The checks a decoded input record must pass before the job uses it. Every method returns null
 * when the value is valid, else the {@link Problem} to put in the dead letter. Fields are checked in
 * schema order, so the first problem reported is deterministic.
 */
public final class RecordValidation {

  /** Why a record is rejected: the dead-letter reason code and a message naming field and value. */
  public record Problem(DeadLetterReason reason, String message) implements Serializable {}

  private RecordValidation() {}

  /** Checks a report: non-empty ids, preference in [0,1], expected_labels >= 1, event_time >= 0. */
  public static Problem validate(LabelerReport r) {
    if (r == null) {
      return new Problem(DeadLetterReason.MISSING_FIELD, "report: null");
    }
    Problem p;
    if ((p = nonEmpty("report_id", r.getReportId())) != null
        || (p = nonEmpty("cohort", r.getCohort())) != null
        || (p = nonEmpty("prompt_id", r.getPromptId())) != null
        || (p = nonEmpty("response_a_id", r.getResponseAId())) != null
        || (p = nonEmpty("response_b_id", r.getResponseBId())) != null
        || (p = nonEmpty("labeler_id", r.getLabelerId())) != null
        || (p = probability("preference", r.getPreference())) != null
        || (p = expectedLabels(r.getExpectedLabels())) != null
        || (p = eventTime(r.getEventTime())) != null) {
      return p;
    }
    return null;
  }

  /** Checks an outcome: non-empty cohort and prompt_id, outcome in [0,1], a source, event_time >= 0. */
  public static Problem validate(PreferenceOutcome o) {
    if (o == null) {
      return new Problem(DeadLetterReason.MISSING_FIELD, "outcome record: null");
    }
    Problem p;
    if ((p = nonEmpty("cohort", o.getCohort())) != null
        || (p = nonEmpty("prompt_id", o.getPromptId())) != null
        || (p = probability("outcome", o.getOutcome())) != null
        || (p = present("source", o.getSource())) != null
        || (p = eventTime(o.getEventTime())) != null) {
      return p;
    }
    return null;
  }

  /** MISSING_FIELD when the value is null. */
  public static Problem present(String field, Object value) {
    return value == null ? new Problem(DeadLetterReason.MISSING_FIELD, field + ": null") : null;
  }

  /** MISSING_FIELD when null, OUT_OF_RANGE when empty. */
  public static Problem nonEmpty(String field, CharSequence value) {
    if (value == null) {
      return present(field, null);
    }
    return value.length() == 0
        ? new Problem(DeadLetterReason.OUT_OF_RANGE, field + ": \"\" must not be empty")
        : null;
  }

  /** OUT_OF_RANGE when NaN, infinite, or outside [0,1]; MISSING_FIELD when null. */
  public static Problem probability(String field, Double value) {
    return value == null ? present(field, null) : probability(field, value.doubleValue());
  }

  /** OUT_OF_RANGE when NaN, infinite, or outside [0,1] (the records' fields: no boxing). */
  public static Problem probability(String field, double v) {
    return v >= 0.0 && v <= 1.0 // false for NaN
        ? null
        : new Problem(DeadLetterReason.OUT_OF_RANGE, field + ": " + v + " is not in [0,1]");
  }

  /** expected_labels: null (the cohort default) or at least 1. */
  public static Problem expectedLabels(Integer value) {
    return value == null || value >= 1
        ? null
        : new Problem(DeadLetterReason.OUT_OF_RANGE, "expected_labels: " + value + " is less than 1");
  }

  /** event_time: epoch milliseconds, not negative. */
  public static Problem eventTime(Long value) {
    return value == null ? present("event_time", null) : eventTime(value.longValue());
  }

  /** event_time: epoch milliseconds, not negative (the records' field: no boxing). */
  public static Problem eventTime(long value) {
    return value >= 0
        ? null
        : new Problem(DeadLetterReason.OUT_OF_RANGE, "event_time: " + value + " is negative");
  }
}
