package dev.feedbackagg.io;

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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Builds the records of the dead-letter topic (ARCHITECTURE.md, feedback.dlq). A record that could
 * not be decoded keeps its raw key and value bytes; a record that was decoded and rejected later
 * (by the item assembly or the mechanism) is re-encoded in single-object encoding, with its
 * prompt_id as key. Never throws for a well-formed argument.
 */
public final class DeadLetters {

  private DeadLetters() {}

  /** Codecs are thread-safe (Avro's message encoder/decoder keep per-thread buffers). */
  private static final class Codecs {
    static final SingleObjectCodec<LabelerReport> REPORT = SingleObjectCodec.of(LabelerReport.class);
    static final SingleObjectCodec<PreferenceOutcome> OUTCOME =
        SingleObjectCodec.of(PreferenceOutcome.class);
  }

  /**
   * A dead letter for a Kafka record as read: its raw key and value (null value for a tombstone),
   * time = the record's Kafka timestamp.
   */
  public static DeadLetter forRecord(
      ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason, String message) {
    return forRecord(record, reason, message, record.timestamp());
  }

  /** As {@link #forRecord(ConsumerRecord, DeadLetterReason, String)} with an explicit time. */
  public static DeadLetter forRecord(
      ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason, String message, long time) {
    return build(
        record.topic(), record.partition(), record.offset(), record.key(), record.value(), reason,
        message, time);
  }

  /**
   * A decoded report rejected later (DUPLICATE, LATE, AFTER_REVEAL...): value = the report
   * re-encoded, key = its prompt_id, time = its event_time.
   */
  public static DeadLetter forReport(ReportEvent r, DeadLetterReason reason, String message) {
    LabelerReport report = r.report;
    return build(
        r.topic, r.partition, r.offset, utf8(report.getPromptId()), Codecs.REPORT.encode(report),
        reason, message, report.getEventTime());
  }

  /**
   * A decoded outcome rejected later (CONFLICTING_OUTCOME, NO_ITEM...): value = the outcome
   * re-encoded, key = its prompt_id, time = its event_time.
   */
  public static DeadLetter forOutcome(OutcomeEvent o, DeadLetterReason reason, String message) {
    PreferenceOutcome outcome = o.outcome;
    return build(
        o.topic, o.partition, o.offset, utf8(outcome.getPromptId()), Codecs.OUTCOME.encode(outcome),
        reason, message, outcome.getEventTime());
  }

  /**
   * An outcome the mechanism had no pending item for (reason NO_ITEM). The value is a
   * PreferenceOutcome rebuilt from the event's cohort, prompt id, outcome and time; an ItemEvent
   * does not carry the outcome's source, so the rebuilt record always says {@link
   * OutcomeSource#GOLD} (the original is at source topic/partition/offset when those are known).
   * Topic/partition/offset are the event's outcome origin, or "" / -1 / -1 when it has none.
   */
  public static DeadLetter forUnmatchedOutcome(ItemEvent outcome, String message) {
    PreferenceOutcome rebuilt =
        PreferenceOutcome.newBuilder()
            .setCohort(Objects.toString(outcome.cohort, ""))
            .setPromptId(Objects.toString(outcome.promptId, ""))
            .setOutcome(outcome.outcome)
            .setSource(OutcomeSource.GOLD)
            .setEventTime(outcome.time)
            .build();
    boolean known = outcome.outcomeTopic != null;
    return build(
        outcome.outcomeTopic,
        known ? outcome.outcomePartition : -1,
        known ? outcome.outcomeOffset : -1L,
        utf8(rebuilt.getPromptId()),
        Codecs.OUTCOME.encode(rebuilt),
        DeadLetterReason.NO_ITEM,
        message,
        outcome.time);
  }

  private static DeadLetter build(
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] value,
      DeadLetterReason reason,
      String message,
      long time) {
    return DeadLetter.newBuilder()
        .setSourceTopic(topic == null ? "" : topic)
        .setSourcePartition(partition)
        .setSourceOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(key.clone()))
        .setValue(value == null ? null : ByteBuffer.wrap(value.clone()))
        .setReason(reason)
        .setMessage(message == null ? "" : message)
        .setJobVersion(FeedbackAggregation.version())
        .setTime(time)
        .build();
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  /** The bytes of a dead letter's key or value (a copy), or null. */
  public static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
