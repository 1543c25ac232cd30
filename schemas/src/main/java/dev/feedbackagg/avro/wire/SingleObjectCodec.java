package dev.feedbackagg.avro.wire;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.RegretMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (marker C3 01, 8-byte little-endian CRC-64-AVRO fingerprint of the
 * writer schema, then the binary body) for the six wire records, and a fingerprint table so that
 * a consumer can tell which schema wrote a record before it decodes the body.
 *
 * <p>Decoding is strict: a record whose header is not single-object, whose fingerprint is not
 * one of the known schemas, or whose schema is not the one the caller expects, is reported by a
 * {@link WireFormatException} with a {@link WireFormatException.Kind}, never by a bare exception,
 * so that the job can route it to the dead-letter topic with a reason code.
 */
public final class SingleObjectCodec<T extends SpecificRecord> {

  /** The two marker bytes that open every single-object encoded record. */
  public static final byte MARKER_0 = (byte) 0xC3;

  public static final byte MARKER_1 = (byte) 0x01;

  /** Marker plus fingerprint. */
  public static final int HEADER_LENGTH = 10;

  private static final Map<Long, Schema> KNOWN = knownSchemas();

  /**
   * Avro's generated records carry their own encode and decode methods ({@code customEncode},
   * {@code customDecode}): the same bytes as the reflective datum writer and reader, several times
   * faster. Avro leaves them off unless asked (a system property, or this per-instance switch).
   */
  private static final SpecificData CODERS = customCoders();

  /** Avro's specific data with the generated records' own encode and decode methods switched on. */
  public static SpecificData specificData() {
    return CODERS;
  }

  private static SpecificData customCoders() {
    SpecificData data = new SpecificData(SingleObjectCodec.class.getClassLoader());
    data.setCustomCoders(true);
    return data;
  }

  private final Class<T> type;
  private final long fingerprint;
  private final SpecificDatumWriter<T> writer;
  private final SpecificDatumReader<T> reader;

  /** The hand-written decoder of the input records ({@link InputDecoders}); null for the others. */
  private final InputDecoders.BodyDecoder<T> bodyDecoder;

  /**
   * The hand-written encoder of the aggregated and labeler-weight records ({@link
   * OutputEncoders}); null for the others.
   */
  private final OutputEncoders.BodyEncoder<T> bodyEncoder;

  private SingleObjectCodec(Class<T> type, Schema schema) {
    this.type = type;
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    this.writer = new SpecificDatumWriter<>(schema, CODERS);
    this.reader = new SpecificDatumReader<>(schema, schema, CODERS);
    this.bodyDecoder = InputDecoders.forType(type, fingerprint);
    this.bodyEncoder = OutputEncoders.forType(type, fingerprint);
  }

  /** A codec for one generated record class. */
  public static <T extends SpecificRecord> SingleObjectCodec<T> of(Class<T> type) {
    return new SingleObjectCodec<>(type, SpecificData.get().getSchema(type));
  }

  /** Fingerprint (CRC-64-AVRO of the parsing canonical form) to schema, for every wire record. */
  public static Map<Long, Schema> knownSchemas() {
    Map<Long, Schema> byFingerprint = new LinkedHashMap<>();
    for (Schema s :
        new Schema[] {
          LabelerReport.getClassSchema(),
          PreferenceOutcome.getClassSchema(),
          AggregatedPreference.getClassSchema(),
          RegretMetrics.getClassSchema(),
          LabelerWeight.getClassSchema(),
          DeadLetter.getClassSchema()
        }) {
      byFingerprint.put(SchemaNormalization.parsingFingerprint64(s), s);
    }
    return Collections.unmodifiableMap(byFingerprint);
  }

  /** The fingerprint in a single-object header; throws when the bytes have no such header. */
  public static long fingerprintOf(byte[] bytes) throws WireFormatException {
    if (bytes == null || bytes.length < HEADER_LENGTH || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
      throw new WireFormatException(
          WireFormatException.Kind.MALFORMED, "not Avro single-object encoding (no C3 01 header)");
    }
    long fp = 0;
    for (int i = 9; i >= 2; i--) { // little-endian
      fp = (fp << 8) | (bytes[i] & 0xFF);
    }
    return fp;
  }

  /** The schema this codec writes. */
  public long fingerprint() {
    return fingerprint;
  }

  public Class<T> type() {
    return type;
  }

  /**
   * The single-object encoding of the record: the C3 01 marker, the schema fingerprint
   * (little-endian), then the Avro binary body. The same bytes as Avro's {@code
   * BinaryMessageEncoder}, written into a reused per-thread buffer (Avro's writes a record byte by
   * byte into a synchronized stream); the aggregated and labeler-weight records by their
   * hand-written encoders ({@link OutputEncoders}), the others by Avro's datum writer.
   */
  public byte[] encode(T record) {
    Encoding e = ENCODING.get();
    BinaryWriter out = e.out;
    out.reset();
    out.write(MARKER_0);
    out.write(MARKER_1);
    long fp = fingerprint;
    for (int i = 0; i < 8; i++) { // little-endian
      out.write((int) (fp >>> (8 * i)));
    }
    if (bodyEncoder != null) {
      bodyEncoder.write(record, out);
    } else {
      try {
        e.encoder = EncoderFactory.get().directBinaryEncoder(out, e.encoder);
        writer.write(record, e.encoder);
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }
    return out.toByteArray();
  }

  private static final ThreadLocal<Encoding> ENCODING = ThreadLocal.withInitial(Encoding::new);

  /** Each thread's cache of the input records' repeating strings (cohorts, labeler ids). */
  private static final ThreadLocal<StringCache> STRINGS = ThreadLocal.withInitial(StringCache::new);

  /** One thread's buffer and encoder, reused from record to record. */
  private static final class Encoding {
    final BinaryWriter out = new BinaryWriter();
    BinaryEncoder encoder;
  }

  /**
   * Decodes a record written with this codec's schema.
   *
   * @throws WireFormatException MALFORMED when the header or body cannot be read, UNKNOWN_SCHEMA
   *     when the fingerprint is not this record's schema (another wire record, or none we know)
   */
  public T decode(byte[] bytes) throws WireFormatException {
    long fp = fingerprintOf(bytes);
    if (fp != fingerprint) {
      Schema other = KNOWN.get(fp);
      throw new WireFormatException(
          WireFormatException.Kind.UNKNOWN_SCHEMA,
          other == null
              ? String.format("unknown schema fingerprint %016x", fp)
              : String.format(
                  "schema %s (fingerprint %016x) where %s was expected",
                  other.getFullName(), fp, type.getSimpleName()));
    }
    return decodeBody(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH);
  }

  /**
   * Decodes a body (the bytes after the single-object header) of this codec's schema, all of
   * [offset, offset + length); a body that does not decode, or does not end at the end, is
   * MALFORMED. The input records take a hand-written decoder ({@link InputDecoders}), the others
   * Avro's datum reader.
   */
  public T decodeBody(byte[] bytes, int offset, int length) throws WireFormatException {
    if (bodyDecoder != null) {
      BinaryReader in = new BinaryReader(bytes, offset, length);
      T record;
      try {
        record = bodyDecoder.read(in, STRINGS.get());
      } catch (WireFormatException e) {
        throw new WireFormatException(
            WireFormatException.Kind.MALFORMED,
            "undecodable " + type.getSimpleName() + " body: " + e.getMessage());
      }
      if (!in.atEnd()) {
        throw trailing(length);
      }
      return record;
    }
    try {
      // The body is read directly so that bytes left over after the record can be seen: a record
      // with trailing garbage is not a clean record.
      BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, offset, length, null);
      T record = reader.read(null, in);
      if (!in.isEnd()) {
        throw trailing(length);
      }
      return record;
    } catch (IOException | RuntimeException e) {
      throw undecodable(e);
    }
  }

  private WireFormatException trailing(int bodyLength) {
    return new WireFormatException(
        WireFormatException.Kind.MALFORMED,
        type.getSimpleName() + " followed by " + bodyLength + " body bytes"
            + " of which not all belong to the record (trailing bytes)");
  }

  private WireFormatException undecodable(Exception e) {
    return new WireFormatException(
        WireFormatException.Kind.MALFORMED,
        "undecodable " + type.getSimpleName() + " body: " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + e.getMessage()));
  }
}
