package dev.feedbackagg.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.Choice;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerContribution;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class AvroKafkaSerializerTest {

  static AggregatedPreference aggregated() {
    return AggregatedPreference.newBuilder()
        .setCohort("c")
        .setPromptId("p1")
        .setResponseAId("a")
        .setResponseBId("b")
        .setSequence(7L)
        .setCloseTime(IoFixtures.EVENT_TIME)
        .setCloseReason(CloseReason.COMPLETE)
        .setPreference(0.8)
        .setChosen(Choice.A)
        .setConfidence(0.6)
        .setEffectiveLabelers(1.9)
        .setLabels(2)
        .setMean(0.75)
        .setMedian(0.75)
        .setMajority(1.0)
        .setEta(0.5)
        .setContributions(
            List.of(
                new LabelerContribution("l1", 1.0, 0.6), new LabelerContribution("l2", 0.5, 0.4)))
        .build();
  }

  static RegretMetrics regret() {
    return RegretMetrics.newBuilder()
        .setCohort("c")
        .setSnapshotTime(Long.MAX_VALUE)
        .setEndOfInput(true)
        .setRounds(10L)
        .setItemsClosed(12L)
        .setItemsExpired(1L)
        .setLossMechanism(1.0)
        .setLossMean(1.5)
        .setLossMedian(1.6)
        .setLossMajority(2.0)
        .setBestLabelerId("l1")
        .setLossBestLabeler(0.9)
        .setRegret(0.1)
        .setRegretPerSqrtRounds(0.1 / Math.sqrt(10))
        .setRegretPerRound(0.01)
        .setLabelers(3L)
        .setMeanEffectiveLabelers(2.5)
        .build();
  }

  static LabelerWeight weight() {
    return LabelerWeight.newBuilder()
        .setCohort("c")
        .setLabelerId("l2")
        .setSnapshotTime(IoFixtures.EVENT_TIME)
        .setLogWeight(-0.5)
        .setSpecialistLoss(1.0)
        .setRounds(4L)
        .setLoss(0.8)
        .setSpecialistRegret(0.2)
        .build();
  }

  private static <T extends SpecificRecord> T decodeValue(ProducerRecord<byte[], byte[]> pr, Class<T> type)
      throws Exception {
    return SingleObjectCodec.of(type).decode(pr.value());
  }

  private static String key(ProducerRecord<byte[], byte[]> pr) {
    return new String(pr.key(), StandardCharsets.UTF_8);
  }

  @Test
  void aggregatedIsKeyedByPromptId() throws Exception {
    AvroKafkaSerializer<AggregatedPreference> s = AvroKafkaSerializer.aggregated("feedback.aggregated");
    ProducerRecord<byte[], byte[]> pr = s.serialize(aggregated(), null, 123L);
    assertThat(pr.topic()).isEqualTo("feedback.aggregated");
    assertThat(key(pr)).isEqualTo("p1");
    assertThat(decodeValue(pr, AggregatedPreference.class)).isEqualTo(aggregated());
    assertThat(pr.partition()).isNull();
    assertThat(pr.timestamp()).isNull();
    assertThat(s.topic()).isEqualTo("feedback.aggregated");
  }

  @Test
  void regretIsKeyedByCohortAndIgnoresTheElementTimestamp() throws Exception {
    ProducerRecord<byte[], byte[]> pr =
        AvroKafkaSerializer.regret("feedback.regret").serialize(regret(), null, Long.MAX_VALUE);
    assertThat(key(pr)).isEqualTo("c");
    assertThat(decodeValue(pr, RegretMetrics.class)).isEqualTo(regret());
    assertThat(pr.timestamp()).isNull();
  }

  @Test
  void weightsAreKeyedByCohortSlashLabeler() throws Exception {
    ProducerRecord<byte[], byte[]> pr =
        AvroKafkaSerializer.weights("feedback.labeler-weights").serialize(weight(), null, null);
    assertThat(key(pr)).isEqualTo("c/l2");
    assertThat(decodeValue(pr, LabelerWeight.class)).isEqualTo(weight());
  }

  @Test
  void resultsGoToTheirOwnTopicsWithTheirOwnKeys() throws Exception {
    ResultsSerializer s = AvroKafkaSerializer.results("t.aggregated", "t.weights");
    ProducerRecord<byte[], byte[]> a = s.serialize(Either.Left(aggregated()), null, 123L);
    assertThat(a.topic()).isEqualTo("t.aggregated");
    assertThat(key(a)).isEqualTo("p1");
    assertThat(decodeValue(a, AggregatedPreference.class)).isEqualTo(aggregated());
    assertThat(a.timestamp()).isNull();
    ProducerRecord<byte[], byte[]> w = s.serialize(Either.Right(weight()), null, 123L);
    assertThat(w.topic()).isEqualTo("t.weights");
    assertThat(key(w)).isEqualTo("c/l2");
    assertThat(decodeValue(w, LabelerWeight.class)).isEqualTo(weight());
    assertThat(w.timestamp()).isNull();
  }

  @Test
  void deadLettersKeepTheOriginalKeyBytes() throws Exception {
    byte[] rawKey = {(byte) 0xC3, 0x00, 0x7F};
    DeadLetter dl =
        DeadLetters.forRecord(IoFixtures.record(rawKey, new byte[] {9}), DeadLetterReason.MALFORMED, "m");
    ProducerRecord<byte[], byte[]> pr = AvroKafkaSerializer.deadLetters("feedback.dlq").serialize(dl, null, 1L);
    assertThat(pr.topic()).isEqualTo("feedback.dlq");
    assertThat(pr.key()).isEqualTo(rawKey);
    DeadLetter back = decodeValue(pr, DeadLetter.class);
    assertThat(back).isEqualTo(dl);
    assertThat(DeadLetters.bytes(back.getValue())).isEqualTo(new byte[] {9});

    DeadLetter noKey =
        DeadLetters.forRecord(IoFixtures.record(null, null), DeadLetterReason.MALFORMED, "tombstone");
    ProducerRecord<byte[], byte[]> pr2 = AvroKafkaSerializer.deadLetters("feedback.dlq").serialize(noKey, null, null);
    assertThat(pr2.key()).isNull();
    assertThat(decodeValue(pr2, DeadLetter.class)).isEqualTo(noKey);
  }

  @Test
  void customKeyAndNullKey() throws Exception {
    AvroKafkaSerializer<LabelerWeight> s =
        new AvroKafkaSerializer<>("t", LabelerWeight.class, w -> null);
    assertThat(s.serialize(weight(), null, null).key()).isNull();
  }

  @Test
  void survivesJavaSerializationWithItsKeyFunction() throws Exception {
    AvroKafkaSerializer<LabelerWeight> copy = IoFixtures.javaRoundTrip(AvroKafkaSerializer.weights("w"));
    ProducerRecord<byte[], byte[]> pr = copy.serialize(weight(), null, null);
    assertThat(key(pr)).isEqualTo("c/l2");
    assertThat(decodeValue(pr, LabelerWeight.class)).isEqualTo(weight());

    AvroKafkaSerializer<DeadLetter> dlq = IoFixtures.javaRoundTrip(AvroKafkaSerializer.deadLetters("d"));
    dlq.open(null, null);
    DeadLetter dl = DeadLetters.forRecord(IoFixtures.record(new byte[] {1}, null), DeadLetterReason.MALFORMED, "m");
    assertThat(dlq.serialize(dl, null, null).key()).isEqualTo(new byte[] {1});

    assertThat(IoFixtures.javaRoundTrip(AvroKafkaSerializer.aggregated("a")).serialize(aggregated(), null, null).key())
        .isEqualTo("p1".getBytes(StandardCharsets.UTF_8));
    assertThat(IoFixtures.javaRoundTrip(AvroKafkaSerializer.regret("r")).serialize(regret(), null, null).key())
        .isEqualTo("c".getBytes(StandardCharsets.UTF_8));
  }
}
