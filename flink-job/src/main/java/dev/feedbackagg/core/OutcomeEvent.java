package dev.feedbackagg.core;

import dev.feedbackagg.avro.PreferenceOutcome;
import java.util.Comparator;

/** A parsed, validated outcome and where it was read. A Flink POJO. */
public final class OutcomeEvent implements SourcedRecord<PreferenceOutcome> {
  /** Order of outcomes of one item at one event time: by value, source, then input position. */
  public static final Comparator<OutcomeEvent> ORDER =
      Comparator.comparingDouble((OutcomeEvent o) -> o.outcome.getOutcome())
          .thenComparing(o -> o.outcome.getSource())
          .thenComparing(o -> o.topic == null ? "" : o.topic)
          .thenComparingInt(o -> o.partition)
          .thenComparingLong(o -> o.offset);

  public PreferenceOutcome outcome;
  public String topic;
  public int partition;
  public long offset;

  public OutcomeEvent() {}

  public OutcomeEvent(PreferenceOutcome outcome, String topic, int partition, long offset) {
    this.outcome = outcome;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }

  @Override
  public PreferenceOutcome record() {
    return outcome;
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public int partition() {
    return partition;
  }

  @Override
  public long offset() {
    return offset;
  }

  @Override
  public long time() {
    return outcome.getEventTime();
  }

  @Override
  public String toString() {
    return "Outcome{" + outcome + " @" + topic + "/" + partition + "/" + offset + "}";
  }
}
