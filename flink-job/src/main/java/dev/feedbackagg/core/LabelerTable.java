package dev.feedbackagg.core;

/**
 * Labeler id to state, for {@link InMemoryCohortStore}: open addressing with linear probing, each
 * id next to its state in one array, and the ids' hash codes in another. A lookup of a labeler not
 * in cache then misses on the id's string (its hash), the slot's hash and the slot, the state (and
 * the stored id's characters, unless it is the very same string), one miss fewer than through a
 * HashMap's node; the mechanism does one lookup per label. A probe past a slot of another labeler
 * compares hash codes only, never that labeler's id: its string is not read. Labelers are never
 * removed.
 */
final class LabelerTable {
  /** Ids at even indices, their states right after; null id: free slot. */
  private Object[] slots;

  /** The hash code of the id in each slot (of a free slot: 0). */
  private int[] hashes;

  /** 32 - log2(number of slots). */
  private int shift;

  private int size;

  LabelerTable() {
    allocate(64);
  }

  private void allocate(int capacity) {
    slots = new Object[2 * capacity];
    hashes = new int[capacity];
    shift = Integer.numberOfLeadingZeros(capacity) + 1;
  }

  /** The first slot to probe for hash code h (Fibonacci hashing: hashes of similar ids are close). */
  private int home(int h) {
    return (h * 0x9E3779B9) >>> shift;
  }

  LabelerState get(String id) {
    return get(id, id.hashCode());
  }

  /** The state of id, whose hash code is h. */
  private LabelerState get(String id, int h) {
    Object[] t = slots;
    int[] hs = hashes;
    int mask = hs.length - 1;
    for (int i = home(h); ; i = (i + 1) & mask) {
      Object k = t[2 * i];
      if (k == null) {
        return null;
      }
      if (hs[i] == h && (k == id || id.equals(k))) {
        return (LabelerState) t[2 * i + 1];
      }
    }
  }

  /** Scratch of {@link #getAll}: the hash codes, and what the home slots hold. */
  private int[] codes = new int[16];

  private int[] homeHashes = new int[16];

  private Object[] found = new Object[32];

  /**
   * get(ids[i]) into states[i] for every i, in phases: the hashes of all ids, then their home
   * slots, then the comparisons. The loads of one phase do not depend on each other, so their
   * cache misses overlap, and a mispredicted branch (a second probe) no longer waits on a miss
   * with the other lookups behind it.
   */
  void getAll(String[] ids, LabelerState[] states) {
    getAll(ids, ids.length, states);
  }

  /** {@link #getAll} of ids[0, n). */
  void getAll(String[] ids, int n, LabelerState[] states) {
    if (codes.length < n) {
      codes = new int[Math.max(n, 2 * codes.length)];
      homeHashes = new int[codes.length];
      found = new Object[2 * codes.length];
    }
    int[] c = codes;
    int[] hh = homeHashes;
    Object[] f = found;
    for (int i = 0; i < n; i++) {
      c[i] = ids[i].hashCode();
    }
    Object[] t = slots;
    int[] hs = hashes;
    for (int i = 0; i < n; i++) {
      int j = home(c[i]);
      hh[i] = hs[j];
      f[2 * i] = t[2 * j];
      f[2 * i + 1] = t[2 * j + 1];
    }
    for (int i = 0; i < n; i++) {
      String id = ids[i];
      Object k = f[2 * i];
      states[i] =
          k != null && hh[i] == c[i] && (k == id || id.equals(k))
              ? (LabelerState) f[2 * i + 1]
              : k == null ? null : get(id, c[i]);
      f[2 * i] = null; // holds no state beyond the call
      f[2 * i + 1] = null;
    }
  }

  /** What {@link #getAllAndLoad} read, summed: kept so that the JIT cannot drop those loads. */
  private long loaded;

  /**
   * {@link #getAll} of ids[0, n), and then a read of every state found, so that the states are in
   * cache (their misses overlap here, not one by one when they are used).
   */
  void getAllAndLoad(String[] ids, int n, LabelerState[] states) {
    getAll(ids, n, states);
    long acc = 0;
    for (int i = 0; i < n; i++) {
      LabelerState x = states[i];
      if (x != null) {
        // The first and the last field: the whole object, if it straddles two cache lines.
        acc += Double.doubleToRawLongBits(x.specialistLoss) ^ Double.doubleToRawLongBits(x.specialistRegret);
      }
    }
    loaded += acc;
  }

  void put(String id, LabelerState state) {
    Object[] t = slots;
    int[] hs = hashes;
    int mask = hs.length - 1;
    int h = id.hashCode();
    int i = home(h);
    for (; t[2 * i] != null; i = (i + 1) & mask) {
      if (hs[i] == h && (t[2 * i] == id || id.equals(t[2 * i]))) {
        t[2 * i + 1] = state;
        return;
      }
    }
    t[2 * i] = id;
    t[2 * i + 1] = state;
    hs[i] = h;
    if (++size > (mask + 1) >>> 1) { // load factor at most 1/2
      grow();
    }
  }

  private void grow() {
    Object[] old = slots;
    int[] oldHashes = hashes;
    allocate(2 * oldHashes.length);
    Object[] t = slots;
    int[] hs = hashes;
    int mask = hs.length - 1;
    for (int j = 0; j < oldHashes.length; j++) {
      Object id = old[2 * j];
      if (id != null) {
        int h = oldHashes[j];
        int i = home(h);
        while (t[2 * i] != null) {
          i = (i + 1) & mask;
        }
        t[2 * i] = id;
        t[2 * i + 1] = old[2 * j + 1];
        hs[i] = h;
      }
    }
  }

  int size() {
    return size;
  }

  void copyTo(java.util.Map<String, LabelerState> map) {
    Object[] t = slots;
    for (int j = 0; j < t.length; j += 2) {
      if (t[j] != null) {
        map.put((String) t[j], (LabelerState) t[j + 1]);
      }
    }
  }

  /** Visits every labeler, in slot order. */
  void forEach(CohortStore.LabelerVisitor visitor) throws Exception {
    Object[] t = slots;
    for (int j = 0; j < t.length; j += 2) {
      if (t[j] != null) {
        visitor.visit((String) t[j], (LabelerState) t[j + 1]);
      }
    }
  }
}
