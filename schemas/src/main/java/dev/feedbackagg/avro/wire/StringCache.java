package dev.feedbackagg.avro.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strings decoded before, found again by their UTF-8 bytes: for the fields whose values repeat
 * from record to record (a cohort, a labeler id), so that each record read does not bring its own
 * copy of them. Direct-mapped on a hash of the bytes; a miss decodes and takes the slot. Strings of
 * more than {@link #MAX_LENGTH} bytes are decoded and not kept. Not thread-safe.
 */
public final class StringCache {
  static final int SLOTS = 4096;
  static final int MAX_LENGTH = 64;

  private final byte[][] keys = new byte[SLOTS][];
  private final String[] values = new String[SLOTS];

  /** The string of bytes [offset, offset + length) of buf (UTF-8). */
  public String get(byte[] buf, int offset, int length) {
    if (length == 0) {
      return "";
    }
    if (length > MAX_LENGTH) {
      return new String(buf, offset, length, StandardCharsets.UTF_8);
    }
    int h = 1;
    for (int i = offset; i < offset + length; i++) {
      h = 31 * h + buf[i];
    }
    int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    byte[] key = keys[slot];
    if (key != null && Arrays.equals(key, 0, key.length, buf, offset, offset + length)) {
      return values[slot];
    }
    String s = new String(buf, offset, length, StandardCharsets.UTF_8);
    keys[slot] = Arrays.copyOfRange(buf, offset, offset + length);
    values[slot] = s;
    return s;
  }
}
