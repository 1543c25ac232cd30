package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.wire.StringCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Strings in the job's serializers: an int length (-1 for null), then UTF-8 bytes, read through a
 * reused buffer; strings that repeat from record to record (cohorts, labeler ids, topics) are
 * found again by their bytes in a {@link StringCache}, so that a record brings no copy of them and
 * their hash codes are computed once. One per serializer instance: not thread-safe.
 */
final class Utf8Strings {
  private final StringCache cache = new StringCache();
  private byte[] scratch = new byte[256];
  private final byte[] writeScratch = new byte[256];

  /**
   * A string: an ASCII one of up to 256 characters (ids, cohorts, topics) through a reused
   * buffer, one byte per character; any other through String.getBytes.
   */
  void write(String s, DataOutputView out) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    int n = s.length();
    byte[] b = writeScratch;
    if (n <= b.length) {
      int i = 0;
      while (i < n) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          break;
        }
        b[i] = (byte) c;
        i++;
      }
      if (i == n) {
        out.writeInt(n);
        out.write(b, 0, n);
        return;
      }
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  /** A string written by {@link #write}, decoded anew. */
  String read(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = bytes(in, n);
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  /** A string written by {@link #write}, from the cache when it was read before. */
  String readRepeated(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    return cache.get(bytes(in, n), 0, n);
  }

  /** n bytes read into the reused buffer. */
  byte[] bytes(DataInputView in, int n) throws IOException {
    if (scratch.length < n) {
      scratch = new byte[Math.max(n, 2 * scratch.length)];
    }
    in.readFully(scratch, 0, n);
    return scratch;
  }
}
