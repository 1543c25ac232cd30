package dev.feedbackagg.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.cli.FeedbackAggregation;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  @Test
  void forReportReEncodesTheReport() throws Exception {
    ReportEvent r = new ReportEvent(IoFixtures.report(), "feedback.reports", 2, 17L);
    DeadLetter dl = DeadLetters.forReport(r, DeadLetterReason.DUPLICATE, "labeler_id: l1 already reported on p1");
    assertThat(dl.getSourceTopic()).isEqualTo("feedback.reports");
    assertThat(dl.getSourcePartition()).isEqualTo(2);
    assertThat(dl.getSourceOffset()).isEqualTo(17L);
    assertThat(new String(DeadLetters.bytes(dl.getKey()), StandardCharsets.UTF_8)).isEqualTo("p1");
    assertThat(SingleObjectCodec.of(LabelerReport.class).decode(DeadLetters.bytes(dl.getValue())))
        .isEqualTo(IoFixtures.report());
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.DUPLICATE);
    assertThat(dl.getMessage()).isEqualTo("labeler_id: l1 already reported on p1");
    assertThat(dl.getJobVersion()).isEqualTo(FeedbackAggregation.version());
    assertThat(dl.getTime()).isEqualTo(IoFixtures.EVENT_TIME);
  }

  @Test
  void forReportWithoutOriginUsesEmptyTopic() {
    ReportEvent r = new ReportEvent(IoFixtures.report(), null, 0, 0L);
    assertThat(DeadLetters.forReport(r, DeadLetterReason.LATE, "late").getSourceTopic()).isEmpty();
  }

  @Test
  void forOutcomeReEncodesTheOutcome() throws Exception {
    OutcomeEvent o = new OutcomeEvent(IoFixtures.outcome(), "feedback.outcomes", 1, 5L);
    DeadLetter dl = DeadLetters.forOutcome(o, DeadLetterReason.CONFLICTING_OUTCOME, "outcome: 0.0 conflicts with 1.0");
    assertThat(dl.getSourceTopic()).isEqualTo("feedback.outcomes");
    assertThat(dl.getSourcePartition()).isEqualTo(1);
    assertThat(dl.getSourceOffset()).isEqualTo(5L);
    assertThat(DeadLetters.bytes(dl.getKey())).isEqualTo("p1".getBytes(StandardCharsets.UTF_8));
    assertThat(SingleObjectCodec.of(PreferenceOutcome.class).decode(DeadLetters.bytes(dl.getValue())))
        .isEqualTo(IoFixtures.outcome());
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.CONFLICTING_OUTCOME);
    assertThat(dl.getTime()).isEqualTo(IoFixtures.EVENT_TIME);
    assertThat(dl.getJobVersion()).isEqualTo(FeedbackAggregation.version());
  }

  @Test
  void forUnmatchedOutcomeRebuildsAGoldOutcome() throws Exception {
    ItemEvent e = ItemEvent.outcome("c", "p9", 1234L, 0.25).withOutcomeOrigin("feedback.outcomes", 4, 99L);
    DeadLetter dl = DeadLetters.forUnmatchedOutcome(e, "prompt_id: p9 has no pending item");
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.NO_ITEM);
    assertThat(dl.getMessage()).isEqualTo("prompt_id: p9 has no pending item");
    assertThat(dl.getSourceTopic()).isEqualTo("feedback.outcomes");
    assertThat(dl.getSourcePartition()).isEqualTo(4);
    assertThat(dl.getSourceOffset()).isEqualTo(99L);
    assertThat(DeadLetters.bytes(dl.getKey())).isEqualTo("p9".getBytes(StandardCharsets.UTF_8));
    assertThat(dl.getTime()).isEqualTo(1234L);
    assertThat(SingleObjectCodec.of(PreferenceOutcome.class).decode(DeadLetters.bytes(dl.getValue())))
        .isEqualTo(
            PreferenceOutcome.newBuilder()
                .setCohort("c")
                .setPromptId("p9")
                .setOutcome(0.25)
                .setSource(OutcomeSource.GOLD)
                .setEventTime(1234L)
                .build());
  }

  @Test
  void forUnmatchedOutcomeWithoutOrigin() {
    DeadLetter dl = DeadLetters.forUnmatchedOutcome(ItemEvent.outcome("c", "p9", 1L, 1.0), "no item");
    assertThat(dl.getSourceTopic()).isEmpty();
    assertThat(dl.getSourcePartition()).isEqualTo(-1);
    assertThat(dl.getSourceOffset()).isEqualTo(-1L);
  }

  @Test
  void bytesCopiesWithoutMovingTheBuffer() {
    DeadLetter dl = DeadLetters.forUnmatchedOutcome(ItemEvent.outcome("c", "p9", 1L, 1.0), "no item");
    byte[] first = DeadLetters.bytes(dl.getKey());
    assertThat(DeadLetters.bytes(dl.getKey())).isEqualTo(first);
    assertThat(DeadLetters.bytes(null)).isNull();
  }
}
