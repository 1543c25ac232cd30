package dev.feedbackagg.core;

import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A cohort's state in plain maps: for the reference, the replay command and benchmarks, and the
 * base of the Flink Mechanism's per-cohort heap state (which adds what it must write at a
 * checkpoint).
 */
public class InMemoryCohortStore implements CohortStore {
  private static final String[] NONE = new String[0];

  private final LabelerTable labelers = new LabelerTable();
  /** Pending items by prompt id, with their expiries in {@link #expiries}. */
  private final Map<String, ExpiryHeap.Entry> pending = new HashMap<>();

  /**
   * The registered expiries, earliest first: a heap, not a sorted map of boxed times to lists, so
   * that a registration is a sift up a heap that items join almost in time order, and an outcome
   * removes its item's expiry without a search.
   */
  private final ExpiryHeap expiries = new ExpiryHeap();

  private final List<String> expiring = new ArrayList<>();

  private final List<String> changed = new ArrayList<>();
  private CohortSummary summary = new CohortSummary();

  @Override
  public LabelerState labeler(String labelerId) {
    return labelers.get(labelerId);
  }

  @Override
  public void labelers(String[] labelerIds, LabelerState[] states) {
    labelers.getAll(labelerIds, states);
  }

  @Override
  public boolean labelersAhead(String[] ids, int n, LabelerState[] states) {
    labelers.getAllAndLoad(ids, n, states);
    return true;
  }

  @Override
  public void putLabeler(String labelerId, LabelerState state) {
    labelers.put(labelerId, state);
  }

  @Override
  public void updateLabeler(String labelerId, LabelerState state) {
    // The map holds the very object that was changed.
  }

  @Override
  public void markChanged(String labelerId) {
    changed.add(labelerId);
  }

  @Override
  public String[] takeChanged() {
    String[] ids = changed.toArray(NONE);
    changed.clear();
    return ids;
  }

  /** The labelers noted changed since the last snapshot, in the order noted (read-only). */
  protected final List<String> changedSinceSnapshot() {
    return java.util.Collections.unmodifiableList(changed);
  }

  @Override
  public void forEachLabeler(LabelerVisitor visitor) throws Exception {
    labelers.forEach(visitor);
  }

  /** All labelers: a copy of the map, holding the live states. */
  public Map<String, LabelerState> labelers() {
    Map<String, LabelerState> all = new HashMap<>();
    labelers.copyTo(all);
    return all;
  }

  @Override
  public PendingItem pending(String promptId) {
    ExpiryHeap.Entry p = pending.get(promptId);
    return p == null ? null : p.item;
  }

  @Override
  public void putPending(PendingItem item) {
    ExpiryHeap.Entry replaced = pending.put(item.promptId, new ExpiryHeap.Entry(item));
    if (replaced != null) {
      expiries.remove(replaced);
    }
  }

  @Override
  public void removePending(String promptId) {
    ExpiryHeap.Entry removed = pending.remove(promptId);
    if (removed != null) {
      expiries.remove(removed);
    }
  }

  /** All pending items (read-only view). */
  public Collection<PendingItem> pendingItems() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<PendingItem> iterator() {
        Iterator<ExpiryHeap.Entry> all = pending.values().iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return all.hasNext();
          }

          @Override
          public PendingItem next() {
            return all.next().item;
          }
        };
      }

      @Override
      public int size() {
        return pending.size();
      }
    };
  }

  public int pendingCount() {
    return pending.size();
  }

  @Override
  public void addExpiry(long time, String promptId) {
    ExpiryHeap.Entry p = pending.get(promptId);
    if (p == null) {
      throw new IllegalStateException("an expiry for " + promptId + ", which is not pending");
    }
    expiries.add(p, time);
  }

  @Override
  public String[] takeExpiries(long time) {
    long next = nextExpiry();
    if (next != time) {
      if (next < time) {
        throw new IllegalStateException("expiries taken at " + time + " while " + next + " is due first");
      }
      return NONE;
    }
    while (expiries.size() > 0 && expiries.peek().expiry == time) {
      expiring.add(expiries.poll().item.promptId);
    }
    String[] ids = expiring.toArray(NONE);
    expiring.clear();
    return ids;
  }

  @Override
  public long nextExpiry() {
    return expiries.size() == 0 ? Long.MAX_VALUE : expiries.peek().expiry;
  }

  /** Pending items with an expiry registered. For tests. */
  int expiriesRegistered() {
    return expiries.size();
  }

  @Override
  public CohortSummary summary() {
    return summary;
  }

  @Override
  public void putSummary(CohortSummary s) {
    summary = s;
  }
}
