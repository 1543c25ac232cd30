package dev.feedbackagg.avro.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
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
