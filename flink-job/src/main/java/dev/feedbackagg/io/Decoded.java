package dev.feedbackagg.io;

import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.Objects;

/**
 * What a deserializer makes of one Kafka record: exactly one of a parsed and validated report, a
 * parsed and validated outcome, or a dead letter. A Flink POJO (Avro fields get AvroTypeInfo, so
 * no Kryo is involved).
 */
public final class Decoded {
  public ReportEvent report;
  public OutcomeEvent outcome;
  public DeadLetter deadLetter;

  public Decoded() {}

  public static Decoded ofReport(ReportEvent report) {
    Decoded d = new Decoded();
    d.report = Objects.requireNonNull(report, "report");
    return d;
  }

  public static Decoded ofOutcome(OutcomeEvent outcome) {
    Decoded d = new Decoded();
    d.outcome = Objects.requireNonNull(outcome, "outcome");
    return d;
  }

  public static Decoded ofDeadLetter(DeadLetter deadLetter) {
    Decoded d = new Decoded();
    d.deadLetter = Objects.requireNonNull(deadLetter, "deadLetter");
    return d;
  }

  public boolean isReport() {
    return report != null;
  }

  public boolean isOutcome() {
    return outcome != null;
  }

  public boolean isDeadLetter() {
    return deadLetter != null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Decoded)) {
      return false;
    }
    Decoded d = (Decoded) o;
    return Objects.equals(deadLetter, d.deadLetter)
        && (report == null
            ? d.report == null
            : d.report != null
                && Objects.equals(report.report, d.report.report)
                && Objects.equals(report.topic, d.report.topic)
                && report.partition == d.report.partition
                && report.offset == d.report.offset)
        && (outcome == null
            ? d.outcome == null
            : d.outcome != null
                && Objects.equals(outcome.outcome, d.outcome.outcome)
                && Objects.equals(outcome.topic, d.outcome.topic)
                && outcome.partition == d.outcome.partition
                && outcome.offset == d.outcome.offset);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        report == null ? null : report.report,
        outcome == null ? null : outcome.outcome,
        deadLetter);
  }

  @Override
  public String toString() {
    if (report != null) {
      return "Decoded{" + report + "}";
    }
    if (outcome != null) {
      return "Decoded{" + outcome + "}";
    }
    return "Decoded{" + deadLetter + "}";
  }
}
