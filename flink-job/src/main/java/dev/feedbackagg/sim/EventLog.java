package dev.feedbackagg.sim;

import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * The raw input of the job: reports and outcomes, each in event-time order. Feed it to
 * core.PipelineReference, write it to Kafka, or to a file with {@link EventLogFile}.
 */
public record EventLog(List<ReportEvent> reports, List<OutcomeEvent> outcomes) {
  public EventLog {
    reports = List.copyOf(reports);
    outcomes = List.copyOf(outcomes);
  }

  /**
   * Reports and outcomes merged in event-time order; at one time outcomes come first (the order in
   * which the ItemWindow applies them), otherwise each list keeps its order.
   */
  public List<SpecificRecord> merged() {
    List<SpecificRecord> out = new ArrayList<>(reports.size() + outcomes.size());
    int i = 0;
    int j = 0;
    while (i < reports.size() || j < outcomes.size()) {
      boolean takeOutcome = i == reports.size()
          || (j < outcomes.size() && outcomes.get(j).time() <= reports.get(i).time());
      out.add(takeOutcome ? outcomes.get(j++).outcome : reports.get(i++).report);
    }
    return out;
  }
}
