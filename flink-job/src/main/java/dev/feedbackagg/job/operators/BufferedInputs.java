package dev.feedbackagg.job.operators;

import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.Arrays;
import java.util.List;

/**
 * The reports and outcomes of one item that share one event time, held until the watermark passes
 * that time, so that they are applied in event-time order whatever order they arrived in.
 * A Flink POJO (arrays, not lists, so that no field falls back to Kryo).
 */
public final class BufferedInputs {
  public ReportEvent[] reports = new ReportEvent[0];
  public OutcomeEvent[] outcomes = new OutcomeEvent[0];

  public BufferedInputs() {}

  BufferedInputs add(ReportEvent r) {
    reports = Arrays.copyOf(reports, reports.length + 1);
    reports[reports.length - 1] = r;
    return this;
  }

  BufferedInputs add(OutcomeEvent o) {
    outcomes = Arrays.copyOf(outcomes, outcomes.length + 1);
    outcomes[outcomes.length - 1] = o;
    return this;
  }

  List<ReportEvent> reportList() {
    return Arrays.asList(reports);
  }

  List<OutcomeEvent> outcomeList() {
    return Arrays.asList(outcomes);
  }
}
