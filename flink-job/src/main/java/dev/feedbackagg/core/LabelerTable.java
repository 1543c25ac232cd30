package dev.feedbackagg.core;

/**
 * Labeler id to state, for {@link InMemoryCohortStore}: open addressing with linear probing, each
 * id next to its state in one array. A lookup of a labeler not in cache then misses on the id's
 * string (its hash), the slot and the state, one miss fewer than through a HashMap's node; the
 * mechanism does one lookup per label. Labelers are never removed.
 */
final class LabelerTable {
  /** Ids at even indices, their states right after; null id: free slot. */
  private Object[] slots;

  /** 32 - log2(number of slots). */
  private int shift;

  private int size;

  LabelerTable() {
    allocate(64);
  }

  private void allocate(int capacity) {
    slots = new Object[2 * capacity];
    shift = Integer.numberOfLeadingZeros(capacity) + 1;
  }

  /** The first slot to probe (Fibonacci hashing: String hashes of similar ids are close). */
  private int home(String id) {
    return (id.hashCode() * 0x9E3779B9) >>> shift;
  }

  LabelerState get(String id) {
    Object[] t = slots;
    int mask = (t.length >>> 1) - 1;
    for (int i = home(id); ; i = (i + 1) & mask) {
      Object k = t[2 * i];
      if (k == null) {
        return null;
      }
      if (k == id || id.equals(k)) {
        return (LabelerState) t[2 * i + 1];
      }
    }
  }

  /** Scratch of {@link #getAll}: the home slots, and what they hold. */
  private int[] homes = new int[16];

  private Object[] found = new Object[32];

  /**
   * get(ids[i]) into states[i] for every i, in phases: the hashes of all ids, then their home
   * slots, then the comparisons. The loads of one phase do not depend on each other, so their
   * cache misses overlap, and a mispredicted branch (a second probe) no longer waits on a miss
   * with the other lookups behind it.
   */
  void getAll(String[] ids, LabelerState[] states) {
    int n = ids.length;
    if (homes.length < n) {
      homes = new int[Math.max(n, 2 * homes.length)];
      found = new Object[2 * homes.length];
    }
    int[] h = homes;
    Object[] f = found;
    for (int i = 0; i < n; i++) {
      h[i] = home(ids[i]);
    }
    Object[] t = slots;
    for (int i = 0; i < n; i++) {
      f[2 * i] = t[2 * h[i]];
      f[2 * i + 1] = t[2 * h[i] + 1];
    }
    for (int i = 0; i < n; i++) {
      String id = ids[i];
      Object k = f[2 * i];
      states[i] = k == id ? (LabelerState) f[2 * i + 1] : get(id);
      f[2 * i] = null; // holds no state beyond the call
      f[2 * i + 1] = null;
    }
  }

  void put(String id, LabelerState state) {
    Object[] t = slots;
    int mask = (t.length >>> 1) - 1;
    int i = home(id);
    for (; t[2 * i] != null; i = (i + 1) & mask) {
      if (t[2 * i] == id || id.equals(t[2 * i])) {
        t[2 * i + 1] = state;
        return;
      }
    }
    t[2 * i] = id;
    t[2 * i + 1] = state;
    if (++size > (mask + 1) >>> 1) { // load factor at most 1/2
      grow();
    }
  }

  private void grow() {
    Object[] old = slots;
    allocate(old.length); // twice the slots
    Object[] t = slots;
    int mask = (t.length >>> 1) - 1;
    for (int j = 0; j < old.length; j += 2) {
      String id = (String) old[j];
      if (id != null) {
        int i = home(id);
        while (t[2 * i] != null) {
          i = (i + 1) & mask;
        }
        t[2 * i] = id;
        t[2 * i + 1] = old[j + 1];
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
