package dev.feedbackagg.avro.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The hand-written decoders against Avro's own datum reader: the same records from the same bytes,
 * and a failure where Avro fails, on random records and on random corruptions of their bytes.
 */
class InputDecodersTest {
  private static final long SEED = Long.getLong("test.seed", 20261127L);
  private static final int RECORDS = 1_000;
  private static final int CORRUPTIONS_PER_RECORD = 20;

  /** Shared by every decode of a test: cached strings must come back right for other records too. */
  private static final StringCache CACHE = new StringCache();

  @Test
  void theDecodersAreForTheSchemasAsTheyAre() {
    // Fails when a schema changes: its decoder must be checked and its fingerprint updated.
    assertThat(InputDecoders.forType(LabelerReport.class, fingerprint(LabelerReport.getClassSchema())))
        .isNotNull();
    assertThat(InputDecoders.forType(PreferenceOutcome.class, fingerprint(PreferenceOutcome.getClassSchema())))
        .isNotNull();
    assertThat(InputDecoders.forType(LabelerReport.class, 42L)).isNull();
    assertThat(InputDecoders.forType(PreferenceOutcome.class, fingerprint(LabelerReport.getClassSchema())))
        .isNull();
  }

  @Test
  void reportsDecodeAsAvroDecodesThem() {
    Random rnd = new Random(SEED);
    try {
      for (int i = 0; i < RECORDS; i++) {
        // Cohorts and labelers from small sets, as in real input: the cache finds them again.
        LabelerReport r =
            new LabelerReport(
                text(rnd), few(rnd), text(rnd), text(rnd), text(rnd), few(rnd), dbl(rnd),
                rnd.nextInt(4) == 0 ? null : integer(rnd), lng(rnd));
        compare(r, LabelerReport.getClassSchema(), InputDecoders::report, rnd);
      }
    } catch (AssertionError e) {
      throw new AssertionError("seed " + SEED + " (-Dtest.seed=" + SEED + "): " + e.getMessage(), e);
    }
  }

  @Test
  void outcomesDecodeAsAvroDecodesThem() {
    Random rnd = new Random(SEED + 1);
    OutcomeSource[] sources = OutcomeSource.values();
    try {
      for (int i = 0; i < RECORDS; i++) {
        PreferenceOutcome o =
            new PreferenceOutcome(
                few(rnd), text(rnd), dbl(rnd), sources[rnd.nextInt(sources.length)], lng(rnd));
        compare(o, PreferenceOutcome.getClassSchema(), InputDecoders::outcome, rnd);
      }
    } catch (AssertionError e) {
      throw new AssertionError("seed " + (SEED + 1) + " (-Dtest.seed=" + SEED + "): " + e.getMessage(), e);
    }
  }

  @Test
  void theCodecDecodesInputRecordsWithTheHandWrittenDecoderAndTheSameChecks() throws Exception {
    SingleObjectCodec<LabelerReport> codec = SingleObjectCodec.of(LabelerReport.class);
    LabelerReport r = new LabelerReport("r", "c", "p", "a", "b", "l\u00e9\ud83d\ude00", 0.25, null, 7L);
    byte[] bytes = codec.encode(r);
    assertThat(codec.decode(bytes)).isEqualTo(r);
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, bytes.length + 1)))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.MALFORMED))
        .hasMessageContaining("trailing bytes");
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
        .isInstanceOfSatisfying(WireFormatException.class,
            e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.MALFORMED))
        .hasMessageContaining("undecodable LabelerReport body");
  }

  @Test
  void overlongVarintsAndBadIndexesAreMalformed() {
    byte[] tooLongInt = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
    assertThatThrownBy(() -> new BinaryReader(tooLongInt, 0, tooLongInt.length).readInt())
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("int");
    byte[] tooLongLong = new byte[11];
    Arrays.fill(tooLongLong, (byte) 0xFF);
    assertThatThrownBy(() -> new BinaryReader(tooLongLong, 0, tooLongLong.length).readLong())
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("long");
    byte[] index = {0x04}; // zig-zag 2
    assertThatThrownBy(() -> new BinaryReader(index, 0, 1).readIndex(2))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("out of range");
    byte[] negativeLength = {0x01}; // zig-zag -1
    assertThatThrownBy(() -> new BinaryReader(negativeLength, 0, 1).readString())
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("negative");
  }

  /** The record's Avro bytes, then corruptions of them: both decoders agree on every one. */
  private static <T extends SpecificRecord> void compare(
      T record, Schema schema, InputDecoders.BodyDecoder<T> decoder, Random rnd) {
    byte[] encoded = codec(record).encode(record);
    byte[] body = Arrays.copyOfRange(encoded, SingleObjectCodec.HEADER_LENGTH, encoded.length);
    assertThat(exact(decode(decoder, body))).isEqualTo(exact(record));
    assertThat(exact(avro(schema, body))).isEqualTo(exact(record));
    for (int c = 0; c < CORRUPTIONS_PER_RECORD; c++) {
      byte[] bad = corrupt(body, rnd);
      Object mine = decode(decoder, bad);
      Object theirs = avro(schema, bad);
      assertThat(exact(mine)).as("bytes %s", Arrays.toString(bad)).isEqualTo(exact(theirs));
    }
  }

  /**
   * A record's fields with doubles as their raw bits (Avro's record equality holds NaN unequal to
   * itself and -0.0 equal to 0.0); anything else as it is.
   */
  private static Object exact(Object o) {
    if (!(o instanceof SpecificRecord r)) {
      return o;
    }
    List<Object> fields = new ArrayList<>();
    for (int i = 0; i < r.getSchema().getFields().size(); i++) {
      Object f = r.get(i);
      fields.add(f instanceof Double d ? "double bits " + Long.toHexString(Double.doubleToRawLongBits(d)) : f);
    }
    return fields;
  }

  private static final Map<Class<?>, SingleObjectCodec<?>> CODECS = new HashMap<>();

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> SingleObjectCodec<T> codec(T record) {
    return (SingleObjectCodec<T>) CODECS.computeIfAbsent(
        record.getClass(), c -> SingleObjectCodec.of((Class<T>) c));
  }

  /** The record, or "MALFORMED" when the bytes do not decode to exactly one record. */
  private static <T> Object decode(InputDecoders.BodyDecoder<T> decoder, byte[] body) {
    try {
      BinaryReader in = new BinaryReader(body, 0, body.length);
      T t = decoder.read(in, CACHE);
      return in.atEnd() ? t : "MALFORMED";
    } catch (WireFormatException e) {
      assertThat(e.kind()).isEqualTo(WireFormatException.Kind.MALFORMED);
      return "MALFORMED";
    }
  }

  private static final Map<Schema, SpecificDatumReader<Object>> READERS = new HashMap<>();

  private static Object avro(Schema schema, byte[] body) {
    try {
      SpecificDatumReader<Object> reader = READERS.computeIfAbsent(
          schema, s -> new SpecificDatumReader<>(s, s, SingleObjectCodec.specificData()));
      BinaryDecoder in = DecoderFactory.get().binaryDecoder(body, null);
      Object o = reader.read(null, in);
      return in.isEnd() ? o : "MALFORMED";
    } catch (Exception e) {
      return "MALFORMED";
    }
  }

  private static byte[] corrupt(byte[] body, Random rnd) {
    byte[] b;
    switch (rnd.nextInt(4)) {
      case 0 -> b = Arrays.copyOf(body, rnd.nextInt(body.length + 1)); // truncated
      case 1 -> { // one byte changed
        b = body.clone();
        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
      }
      case 2 -> { // a few bytes changed, high bits likely (varint continuations, UTF-8 lead bytes)
        b = body.clone();
        for (int i = 0; i < 3; i++) {
          b[rnd.nextInt(b.length)] |= (byte) 0x80;
        }
      }
      default -> { // bytes appended
        b = Arrays.copyOf(body, body.length + 1 + rnd.nextInt(4));
        for (int i = body.length; i < b.length; i++) {
          b[i] = (byte) rnd.nextInt(256);
        }
      }
    }
    return b;
  }

  /** One of 40 strings, of which some are long (past the cache's limit) or empty. */
  private static String few(Random rnd) {
    int i = rnd.nextInt(40);
    return i == 0 ? "" : i < 5 ? "long-" + "\u00e9".repeat(40) + i : "id-" + i;
  }

  private static String text(Random rnd) {
    int n = rnd.nextInt(12) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 200);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      switch (rnd.nextInt(8)) {
        case 0 -> sb.append((char) (0x80 + rnd.nextInt(0x780))); // two UTF-8 bytes
        case 1 -> sb.append((char) (0x800 + rnd.nextInt(0xD000))); // three
        case 2 -> sb.appendCodePoint(0x10000 + rnd.nextInt(0xF0000)); // four: a surrogate pair
        default -> sb.append((char) (0x20 + rnd.nextInt(0x5F))); // ASCII
      }
    }
    return sb.toString();
  }

  private static double dbl(Random rnd) {
    return switch (rnd.nextInt(6)) {
      case 0 -> Double.NaN;
      case 1 -> -0.0;
      case 2 -> Double.longBitsToDouble(rnd.nextLong());
      default -> rnd.nextDouble();
    };
  }

  private static int integer(Random rnd) {
    return rnd.nextBoolean() ? rnd.nextInt(20) : rnd.nextInt();
  }

  private static long lng(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> rnd.nextLong();
      case 1 -> Long.MIN_VALUE;
      case 2 -> Long.MAX_VALUE;
      default -> 1_700_000_000_000L + rnd.nextInt(1_000_000_000);
    };
  }

  private static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }
}
