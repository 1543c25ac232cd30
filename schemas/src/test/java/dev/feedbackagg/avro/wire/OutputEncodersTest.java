package dev.feedbackagg.avro.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.Choice;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerContribution;
import dev.feedbackagg.avro.LabelerWeight;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/** The hand-written encoder of the aggregated record writes Avro's own bytes. */
class OutputEncodersTest {
  private static final long SEED = Long.getLong("test.seed", 20261127L);

  @Test
  void theEncodersAreForTheSchemasAsTheyAre() {
    // Fails when a schema changes: its encoder must be checked and its fingerprint updated.
    assertThat(OutputEncoders.forType(AggregatedPreference.class,
        SchemaNormalization.parsingFingerprint64(AggregatedPreference.getClassSchema()))).isNotNull();
    assertThat(OutputEncoders.forType(LabelerWeight.class,
        SchemaNormalization.parsingFingerprint64(LabelerWeight.getClassSchema()))).isNotNull();
    assertThat(OutputEncoders.forType(AggregatedPreference.class, 1L)).isNull();
    assertThat(OutputEncoders.forType(LabelerWeight.class,
        SchemaNormalization.parsingFingerprint64(AggregatedPreference.getClassSchema()))).isNull();
  }

  @Test
  void writesAvrosBytesForRandomWeights() throws Exception {
    Random rnd = new Random(SEED);
    SingleObjectCodec<LabelerWeight> codec = SingleObjectCodec.of(LabelerWeight.class);
    for (int i = 0; i < 2_000; i++) {
      LabelerWeight w = new LabelerWeight(text(rnd), text(rnd), lng(rnd), dbl(rnd), dbl(rnd), lng(rnd),
          dbl(rnd), dbl(rnd));
      byte[] mine = codec.encode(w);
      assertThat(mine).as("seed %d (-Dtest.seed), record %d: %s", SEED, i, w)
          .isEqualTo(w.toByteBuffer().array());
      assertThat(codec.encode(codec.decode(mine))).isEqualTo(mine);
    }
  }

  @Test
  void writesAvrosBytesForRandomRecords() throws Exception {
    Random rnd = new Random(SEED);
    SingleObjectCodec<AggregatedPreference> codec = SingleObjectCodec.of(AggregatedPreference.class);
    for (int i = 0; i < 2_000; i++) {
      AggregatedPreference a = record(rnd);
      byte[] mine = codec.encode(a);
      byte[] avros = a.toByteBuffer().array(); // the generated class's own message encoder
      assertThat(mine).as("seed %d (-Dtest.seed), record %d: %s", SEED, i, a).isEqualTo(avros);
      // Read back and written again, the same bytes (a lone surrogate became '?' the first time).
      assertThat(codec.encode(codec.decode(mine))).isEqualTo(mine);
    }
  }

  private static AggregatedPreference record(Random rnd) {
    int n = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(rnd.nextBoolean() ? 6 : 300);
    List<LabelerContribution> contributions = new ArrayList<>(n);
    for (int j = 0; j < n; j++) {
      contributions.add(new LabelerContribution(text(rnd), dbl(rnd), dbl(rnd)));
    }
    return new AggregatedPreference(
        text(rnd), text(rnd), text(rnd), text(rnd), lng(rnd), lng(rnd),
        CloseReason.values()[rnd.nextInt(CloseReason.values().length)], dbl(rnd),
        Choice.values()[rnd.nextInt(Choice.values().length)], dbl(rnd), dbl(rnd),
        rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(10), dbl(rnd), dbl(rnd), dbl(rnd), dbl(rnd),
        contributions);
  }

  private static String text(Random rnd) {
    int len = switch (rnd.nextInt(10)) {
      case 0 -> 0;
      case 1 -> 62 + rnd.nextInt(4); // about the one-byte length of the ASCII fast path
      default -> 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : 300);
    };
    boolean ascii = rnd.nextBoolean(); // ids are ASCII; else one non-ASCII character in ten
    StringBuilder sb = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      switch (ascii ? 9 : rnd.nextInt(10)) {
        case 0 -> sb.append((char) (0x80 + rnd.nextInt(0x780)));
        case 1 -> sb.append((char) (0x800 + rnd.nextInt(0xD000)));
        case 2 -> sb.appendCodePoint(0x10000 + rnd.nextInt(0xF0000));
        case 3 -> sb.append((char) (0xD800 + rnd.nextInt(0x800))); // a lone surrogate: '?' in UTF-8
        default -> sb.append((char) (ascii && rnd.nextInt(20) == 0 ? rnd.nextInt(0x80) : 0x20 + rnd.nextInt(0x5F)));
      }
    }
    return sb.toString();
  }

  private static double dbl(Random rnd) {
    return switch (rnd.nextInt(6)) {
      case 0 -> Double.NaN;
      case 1 -> -0.0;
      case 2 -> Double.longBitsToDouble(rnd.nextLong()); // NaNs with payloads among them
      default -> rnd.nextDouble();
    };
  }

  private static long lng(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> Long.MIN_VALUE;
      case 1 -> Long.MAX_VALUE;
      case 2 -> rnd.nextLong();
      default -> rnd.nextInt(1_000_000);
    };
  }
}
