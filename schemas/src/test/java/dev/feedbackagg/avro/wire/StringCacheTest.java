package dev.feedbackagg.avro.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StringCacheTest {
  private static final long SEED = Long.getLong("test.seed", 20261127L);

  private static String get(StringCache cache, String s) {
    byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8); // at an offset, as in a record
    int prefix = 2;
    return cache.get(b, prefix, b.length - 4);
  }

  @Test
  void givesTheSameInstanceForTheSameBytesAndTheRightStringAlways() {
    StringCache cache = new StringCache();
    String first = get(cache, "labeler-7");
    assertThat(first).isEqualTo("labeler-7");
    assertThat(get(cache, "labeler-7")).isSameAs(first);
    assertThat(get(cache, "")).isEmpty();
    String multiByte = get(cache, "\u00e9t\u00e9-\ud83d\ude00");
    assertThat(multiByte).isEqualTo("\u00e9t\u00e9-\ud83d\ude00");
    assertThat(get(cache, "\u00e9t\u00e9-\ud83d\ude00")).isSameAs(multiByte);
    String longOne = "x".repeat(StringCache.MAX_LENGTH + 1);
    assertThat(get(cache, longOne)).isEqualTo(longOne).isNotSameAs(get(cache, longOne));
  }

  @Test
  void manyMoreStringsThanSlotsStillDecodeRight() {
    Random rnd = new Random(SEED);
    StringCache cache = new StringCache();
    Map<String, Integer> hits = new HashMap<>();
    for (int i = 0; i < 20 * StringCache.SLOTS; i++) {
      String s = "s" + rnd.nextInt(3 * StringCache.SLOTS); // more distinct values than slots
      assertThat(get(cache, s)).as("seed %d", SEED).isEqualTo(s);
      hits.merge(s, 1, Integer::sum);
    }
    assertThat(hits).hasSizeGreaterThan(StringCache.SLOTS);
  }
}
