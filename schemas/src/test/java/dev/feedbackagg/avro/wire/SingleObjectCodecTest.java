package dev.feedbackagg.avro.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

class SingleObjectCodecTest {
  private static final SingleObjectCodec<LabelerReport> REPORTS = SingleObjectCodec.of(LabelerReport.class);

  private static LabelerReport report() {
    return new LabelerReport("r1", "c", "p", "a", "b", "l", 0.75, 3, 1_700_000_000_000L);
  }

  @Test
  void roundTripsWithTheSingleObjectHeader() throws Exception {
    byte[] bytes = REPORTS.encode(report());
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(SingleObjectCodec.fingerprintOf(bytes))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(LabelerReport.getClassSchema()))
        .isEqualTo(REPORTS.fingerprint());
    assertThat(REPORTS.decode(bytes)).isEqualTo(report());
    // The generated classes' own encoder writes the same bytes.
    assertThat(bytes).isEqualTo(report().toByteBuffer().array());
  }

  @Test
  void writesAvrosBytesForRecordsLargerThanItsFirstBufferAndNeverReusesAReturnedArray() throws Exception {
    SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.of(DeadLetter.class);
    DeadLetter big = deadLetter("m".repeat(3_000), new byte[700]);
    DeadLetter small = deadLetter("short", null);

    byte[] first = codec.encode(big);
    byte[] copy = first.clone();
    byte[] second = codec.encode(small);

    assertThat(first).isEqualTo(copy).isEqualTo(big.toByteBuffer().array());
    assertThat(second).isEqualTo(small.toByteBuffer().array());
    assertThat(codec.decode(first)).isEqualTo(big);
    assertThat(codec.decode(second)).isEqualTo(small);
  }

  private static DeadLetter deadLetter(String message, byte[] value) {
    return DeadLetter.newBuilder()
        .setSourceTopic("feedback.reports")
        .setSourcePartition(3)
        .setSourceOffset(42L)
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setReason(DeadLetterReason.MALFORMED)
        .setMessage(message)
        .setJobVersion("test")
        .setTime(1_700_000_000_000L)
        .build();
  }

  @Test
  void knowsTheSixWireSchemas() {
    assertThat(SingleObjectCodec.knownSchemas()).hasSize(6);
  }

  @Test
  void anotherKnownSchemaIsUnknownHereAndNamed() {
    byte[] outcome = SingleObjectCodec.of(PreferenceOutcome.class)
        .encode(new PreferenceOutcome("c", "p", 1.0, OutcomeSource.GOLD, 5L));
    assertThatThrownBy(() -> REPORTS.decode(outcome))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.UNKNOWN_SCHEMA))
        .hasMessageContaining("PreferenceOutcome");
  }

  @Test
  void anUnknownFingerprintIsUnknownSchema() {
    byte[] bytes = REPORTS.encode(report());
    bytes[5] ^= 0x5A;
    assertThatThrownBy(() -> REPORTS.decode(bytes))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.UNKNOWN_SCHEMA))
        .hasMessageContaining("unknown schema fingerprint");
  }

  @Test
  void noHeaderTruncationAndTrailingBytesAreMalformed() {
    byte[] good = REPORTS.encode(report());
    for (byte[] bad :
        new byte[][] {
          null,
          new byte[0],
          "{\"report_id\":\"r1\"}".getBytes(),
          Arrays.copyOf(good, 9),
          Arrays.copyOf(good, good.length - 3),
          Arrays.copyOf(good, good.length + 4) // four trailing zero bytes
        }) {
      assertThatThrownBy(() -> REPORTS.decode(bad))
          .as("%s", bad == null ? "null" : bad.length + " bytes")
          .isInstanceOfSatisfying(WireFormatException.class,
              e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.MALFORMED));
    }
  }
}
