package dev.feedbackagg.sim;

import java.util.SplittableRandom;

/**
 * Counter-based randomness: every draw of the simulator is a pure function of (seed, stream, a, b),
 * e.g. (seed, NOISE, labeler, item). So a draw never depends on how many draws came before it, and
 * two runs that differ only in a labeler's strategy see the same items, outcomes and private
 * preferences (common random numbers). Only StrictMath is used, so the values are the same bits on
 * every JVM.
 */
final class Rng {
  // Streams: one per kind of draw.
  static final long BIAS = 1;
  static final long NOISE_SD = 2;
  static final long GROUP_BIAS = 3;
  static final long TRUE_PREFERENCE = 4;
  static final long GOLD = 5;
  static final long OUTCOME = 6;
  static final long LABEL_COUNT = 7;
  static final long ASSIGNMENT = 8;
  static final long LABEL_TIME = 9;
  static final long LABEL_NOISE = 10;
  static final long RANDOM_REPORT = 11;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Rng() {}

  /** A 64-bit finaliser with full avalanche (the MurmurHash3 fmix64 constants). */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return z ^ (z >>> 33);
  }

  static long key(long seed, long stream, long a, long b) {
    long h = mix(seed * GOLDEN + 0x632BE59BD9B4E019L);
    h = mix(h ^ (stream * 0xD1B54A32D192ED03L));
    h = mix(h ^ (a * 0x8CB92BA72F3D8DD7L + 1));
    return mix(h ^ (b * 0xABC98388FB8FAC03L + 2));
  }

  /** U[0,1). */
  static double uniform(long seed, long stream, long a, long b) {
    return toUnit(key(seed, stream, a, b));
  }

  /** N(0,1) by Box-Muller from two independent uniforms of the same key. */
  static double gaussian(long seed, long stream, long a, long b) {
    long k = key(seed, stream, a, b);
    double u1 = toUnit(k);
    double u2 = toUnit(mix(k ^ GOLDEN));
    return StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
  }

  /** A sequential stream for draws whose count varies (e.g. a shuffle). */
  static SplittableRandom stream(long seed, long stream, long a) {
    return new SplittableRandom(key(seed, stream, a, 0x5EED));
  }

  private static double toUnit(long bits) {
    return (bits >>> 11) * 0x1.0p-53;
  }
}
