package dev.feedbackagg.avro.wire;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array written in Avro's binary encoding (zig-zag varints, little-endian doubles,
 * length-prefixed UTF-8 strings), for the hand-written encoder of the aggregated record
 * ({@link OutputEncoders}); also an output stream without locking, for Avro's own encoder. Not
 * thread-safe.
 */
public final class BinaryWriter extends OutputStream {
  private byte[] bytes = new byte[512];
  private int count;

  /** Forgets what was written. */
  public void reset() {
    count = 0;
  }

  /** Bytes written. */
  public int size() {
    return count;
  }

  /** A copy of the bytes written. */
  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, count);
  }

  @Override
  public void write(int b) {
    ensure(1);
    bytes[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, bytes, count, len);
    count += len;
  }

  /** An Avro int (zig-zag varint). */
  public void writeInt(int n) {
    writeLong(n);
  }

  /** An Avro long (zig-zag varint, at most 10 bytes). */
  public void writeLong(long n) {
    ensure(10);
    long z = (n << 1) ^ (n >> 63);
    while ((z & ~0x7FL) != 0) {
      bytes[count++] = (byte) ((z & 0x7F) | 0x80);
      z >>>= 7;
    }
    bytes[count++] = (byte) z;
  }

  /** An Avro double: the raw IEEE 754 bits (NaNs as they are), little-endian. */
  public void writeDouble(double d) {
    ensure(8);
    long bits = Double.doubleToRawLongBits(d);
    for (int i = 0; i < 8; i++) {
      bytes[count++] = (byte) (bits >>> (8 * i));
    }
  }

  /** An Avro string: its UTF-8 length, then the bytes (as String.getBytes, which Avro uses). */
  public void writeString(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    writeLong(utf8.length);
    write(utf8, 0, utf8.length);
  }

  private void ensure(int n) {
    if (count + n > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, count + n));
    }
  }
}
