package dev.feedbackagg.job.operators;

import java.util.Arrays;

/**
 * A min-heap of (due time, entry), ties in insertion order, over parallel arrays: the times the
 * sift compares sit next to each other in memory, not behind one object per element. An entry may
 * be queued more than once; the caller tells a stale element from a live one when it polls (here:
 * the item's registered time no longer equals the element's). Not thread-safe.
 *
 * @param <T> the entries
 */
final class DueQueue<T> {
  private long[] times = new long[64];
  private long[] order = new long[64];
  private Object[] entries = new Object[64];
  private int size;
  private long inserted;

  int size() {
    return size;
  }

  /** The earliest time queued; only when not empty. */
  long peekTime() {
    return times[0];
  }

  void add(long time, T entry) {
    if (size == times.length) {
      int n = 2 * size;
      times = Arrays.copyOf(times, n);
      order = Arrays.copyOf(order, n);
      entries = Arrays.copyOf(entries, n);
    }
    long seq = inserted++;
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(time, seq, times[parent], order[parent])) {
        break;
      }
      set(i, times[parent], order[parent], entries[parent]);
      i = parent;
    }
    set(i, time, seq, entry);
  }

  /** Removes and returns the entry with the earliest time; only when not empty. */
  @SuppressWarnings("unchecked")
  T poll() {
    T top = (T) entries[0];
    int last = --size;
    long time = times[last];
    long seq = order[last];
    Object entry = entries[last];
    entries[last] = null;
    if (last > 0) {
      int i = 0;
      int half = last >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        int right = child + 1;
        if (right < last && before(times[right], order[right], times[child], order[child])) {
          child = right;
        }
        if (!before(times[child], order[child], time, seq)) {
          break;
        }
        set(i, times[child], order[child], entries[child]);
        i = child;
      }
      set(i, time, seq, entry);
    }
    return top;
  }

  void clear() {
    Arrays.fill(entries, 0, size, null);
    size = 0;
  }

  private static boolean before(long time, long seq, long otherTime, long otherSeq) {
    return time < otherTime || (time == otherTime && seq < otherSeq);
  }

  private void set(int i, long time, long seq, Object entry) {
    times[i] = time;
    order[i] = seq;
    entries[i] = entry;
  }
}
