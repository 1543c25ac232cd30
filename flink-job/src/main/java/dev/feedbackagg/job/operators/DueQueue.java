package dev.feedbackagg.job.operators;

import java.util.Arrays;

/**
 * A min-heap of (due time, entry), ties in insertion order, over parallel arrays: the times the
 * sift compares sit next to each other in memory, not behind one object per element. Four
 * children per node: half the levels of a binary heap, so a poll, the hot call (every element is
 * polled once), walks half as many cache lines down, and a node's children share one or two. An
 * entry may be queued more than once; the caller tells a stale element from a live one when it
 * polls (ItemWindow: the item's registered time no longer equals the element's). Not thread-safe.
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
      int parent = (i - 1) >>> 2;
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
    int i = 0;
    while (true) {
      int first = 4 * i + 1;
      if (first >= last) {
        break;
      }
      int end = Math.min(first + 4, last);
      int child = first;
      for (int c = first + 1; c < end; c++) {
        if (before(times[c], order[c], times[child], order[child])) {
          child = c;
        }
      }
      if (!before(times[child], order[child], time, seq)) {
        break;
      }
      set(i, times[child], order[child], entries[child]);
      i = child;
    }
    if (last > 0) {
      set(i, time, seq, entry);
    }
    return top;
  }

  /** Every entry, earliest time first, ties in insertion order; the queue is not changed. */
  @SuppressWarnings("unchecked")
  java.util.List<T> inOrder() {
    DueQueue<T> copy = new DueQueue<>();
    copy.times = Arrays.copyOf(times, Math.max(size, 1));
    copy.order = Arrays.copyOf(order, Math.max(size, 1));
    copy.entries = Arrays.copyOf(entries, Math.max(size, 1));
    copy.size = size;
    java.util.List<T> all = new java.util.ArrayList<>(size);
    while (copy.size > 0) {
      all.add(copy.poll());
    }
    return all;
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
