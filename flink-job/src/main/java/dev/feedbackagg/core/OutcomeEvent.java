package dev.feedbackagg.core;

import dev.feedbackagg.avro.PreferenceOutcome;
import java.util.Comparator;

/** A parsed, validated outcome and where it was read. A Flink POJO. */
public final class OutcomeEvent extends SourcedRecord<PreferenceOutcome> {
  /** Order of outcomes of one item at one event time: by value, source, then input position. */
  public static final Comparator<OutcomeEvent> ORDER =
      Comparator.comparingDouble((OutcomeEvent o) -> o.outcome.getOutcome())
          .thenComparing(o -> o.outcome.getSource())
          .thenComparing(INPUT_ORDER);

  public PreferenceOutcome outcome;

  public OutcomeEvent() {}

  public OutcomeEvent(PreferenceOutcome outcome, String topic, int partition, long offset) {
    super(topic, partition, offset);
    this.outcome = outcome;
  }

  /** An event decoded from the bytes {@code encoded} (single-object encoding, header included). */
  public static OutcomeEvent decoded(PreferenceOutcome outcome, byte[] encoded, String topic, int partition, long offset) {
    OutcomeEvent e = new OutcomeEvent(outcome, topic, partition, offset);
    e.setEncoded(encoded);
    return e;
  }

  @Override
  public PreferenceOutcome record() {
    return outcome;
  }

  @Override
  public long time() {
    return outcome.getEventTime();
  }

  @Override
  public String toString() {
    return describe("Outcome");
  }
}
