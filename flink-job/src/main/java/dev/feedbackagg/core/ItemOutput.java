package dev.feedbackagg.core;

import dev.feedbackagg.avro.DeadLetterReason;

/** Where the assembly of items sends closes, outcomes and rejected records. */
public interface ItemOutput {
  void emit(ItemEvent event);

  void rejectReport(ReportEvent report, DeadLetterReason reason, String message);

  void rejectOutcome(OutcomeEvent outcome, DeadLetterReason reason, String message);
}
