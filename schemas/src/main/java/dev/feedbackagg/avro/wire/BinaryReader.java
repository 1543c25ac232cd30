package dev.feedbackagg.avro.wire;

import java.nio.charset.StandardCharsets;

/**
 * Reads Avro's binary encoding from a byte array: zig-zag varints, little-endian IEEE doubles,
 * length-prefixed UTF-8 strings, union and enum indexes. The primitives of the hand-written
 * decoders of the two input records ({@link InputDecoders}), which read the same bytes as Avro's
 * datum reader to the same values, without its per-field indirection and copies. Whatever does
 * not decode (a truncated body, a varint of more than 5 or 10 bytes, a negative or too long string
 * length, an index out of range) throws a {@link WireFormatException} of kind MALFORMED, where
 * Avro's reader throws an IOException or a RuntimeException.
 *
 * <p>Not thread-safe; cheap to make (one per record).
 */
public final class BinaryReader {
  private final byte[] buf;
  private int pos;
  private final int limit;

  /** Reads bytes [offset, offset + length) of buf. */
  public BinaryReader(byte[] buf, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > buf.length) {
      throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " of " + buf.length);
    }
    this.buf = buf;
    this.pos = offset;
    this.limit = offset + length;
  }

  /** Whether every byte has been read. */
  public boolean atEnd() {
    return pos == limit;
  }

  /** Bytes not read yet. */
  public int remaining() {
    return limit - pos;
  }

  /** An Avro int: a zig-zag varint of at most 5 bytes (bits beyond 32 dropped, as Avro does). */
  public int readInt() throws WireFormatException {
    int n = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = next();
      n |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return (n >>> 1) ^ -(n & 1);
      }
    }
    throw malformed("invalid int encoding (more than 5 bytes)");
  }

  /** An Avro long: a zig-zag varint of at most 10 bytes. */
  public long readLong() throws WireFormatException {
    long n = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int b = next();
      n |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return (n >>> 1) ^ -(n & 1);
      }
    }
    throw malformed("invalid long encoding (more than 10 bytes)");
  }

  /** An Avro double: 8 bytes, little-endian IEEE 754. */
  public double readDouble() throws WireFormatException {
    if (limit - pos < 8) {
      throw truncated(8);
    }
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = (bits << 8) | (buf[pos + i] & 0xFF);
    }
    pos += 8;
    return Double.longBitsToDouble(bits);
  }

  /**
   * An Avro string: a long length, then that many bytes of UTF-8 (malformed sequences become
   * U+FFFD, as in Avro's own decoding).
   */
  public String readString() throws WireFormatException {
    int n = stringLength();
    String s = n == 0 ? "" : new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  /** An Avro string, as {@link #readString()}, looked up in (and added to) a cache of strings. */
  public String readString(StringCache cache) throws WireFormatException {
    int n = stringLength();
    String s = cache.get(buf, pos, n);
    pos += n;
    return s;
  }

  private int stringLength() throws WireFormatException {
    long length = readLong();
    if (length < 0) {
      throw malformed("negative string length " + length);
    }
    if (length > limit - pos) {
      throw truncated(length);
    }
    return (int) length;
  }

  /** A union branch or enum symbol index, which must be in [0, count). */
  public int readIndex(int count) throws WireFormatException {
    int i = readInt();
    if (i < 0 || i >= count) {
      throw malformed("index " + i + " out of range [0, " + count + ")");
    }
    return i;
  }

  private int next() throws WireFormatException {
    if (pos == limit) {
      throw truncated(1);
    }
    return buf[pos++];
  }

  private WireFormatException truncated(long wanted) {
    return malformed("truncated: " + wanted + " more bytes wanted, " + (limit - pos) + " left");
  }

  private static WireFormatException malformed(String message) {
    return new WireFormatException(WireFormatException.Kind.MALFORMED, message);
  }
}
