package dev.feedbackagg.core;

import java.util.Arrays;

/**
 * Pending items with a registered expiry, earliest first, for {@link InMemoryCohortStore}: a binary
 * heap whose entries know their slot, so that an item whose outcome came leaves at once, in
 * O(log n), and nothing of it stays until its expiry time. Items join almost in time order (close
 * time + a fixed timeout), so an add is usually one comparison. Equal times leave in an order that
 * depends on the order of the calls; callers sort what they take. Not thread-safe.
 */
final class ExpiryHeap {
  /** A pending item, and where its expiry sits in the heap (-1: none registered). */
  static final class Entry {
    final PendingItem item;
    long expiry;
    int slot = -1;

    Entry(PendingItem item) {
      this.item = item;
    }
  }

  private Entry[] heap = new Entry[64];
  private int size;

  int size() {
    return size;
  }

  /** The entry with the earliest expiry; only when not empty. */
  Entry peek() {
    return heap[0];
  }

  /** Registers e's expiry at time; an expiry registered before is moved. */
  void add(Entry e, long time) {
    if (e.slot >= 0) {
      remove(e);
    }
    e.expiry = time;
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, 2 * size);
    }
    int i = size++;
    heap[i] = e;
    e.slot = i;
    siftUp(i);
  }

  /** Forgets e's expiry, if it has one. */
  void remove(Entry e) {
    int i = e.slot;
    if (i < 0) {
      return;
    }
    e.slot = -1;
    int last = --size;
    Entry moved = heap[last];
    heap[last] = null;
    if (i < last) {
      heap[i] = moved;
      moved.slot = i;
      siftDown(i);
      if (heap[i] == moved) {
        siftUp(i);
      }
    }
  }

  /** Removes and returns the entry with the earliest expiry; only when not empty. */
  Entry poll() {
    Entry top = heap[0];
    remove(top);
    return top;
  }

  private void siftUp(int i) {
    Entry e = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Entry p = heap[parent];
      if (p.expiry <= e.expiry) {
        break;
      }
      heap[i] = p;
      p.slot = i;
      i = parent;
    }
    heap[i] = e;
    e.slot = i;
  }

  private void siftDown(int i) {
    Entry e = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Entry c = heap[child];
      int right = child + 1;
      if (right < size && heap[right].expiry < c.expiry) {
        child = right;
        c = heap[right];
      }
      if (e.expiry <= c.expiry) {
        break;
      }
      heap[i] = c;
      c.slot = i;
      i = child;
    }
    heap[i] = e;
    e.slot = i;
  }
}
