package dev.feedbackagg.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cohort's state in plain maps: for the reference, the replay command and benchmarks, and the
 * base of the Flink Mechanism's per-cohort heap state (which adds what it must write at a
 * checkpoint).
 */
public class InMemoryCohortStore implements CohortStore {
  private static final String[] NONE = new String[0];

  private final LabelerTable labelers = new LabelerTable();
  private final Map<String, PendingItem> pending = new HashMap<>();
  private final TreeMap<Long, List<String>> expiries = new TreeMap<>();
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
    return pending.get(promptId);
  }

  @Override
  public void putPending(PendingItem item) {
    pending.put(item.promptId, item);
  }

  @Override
  public void removePending(String promptId) {
    pending.remove(promptId);
  }

  /** All pending items (read-only view). */
  public java.util.Collection<PendingItem> pendingItems() {
    return java.util.Collections.unmodifiableCollection(pending.values());
  }

  public int pendingCount() {
    return pending.size();
  }

  @Override
  public void addExpiry(long time, String promptId) {
    expiries.computeIfAbsent(time, t -> new ArrayList<>()).add(promptId);
  }

  @Override
  public void removeExpiry(long time, String promptId) {
    List<String> ids = expiries.get(time);
    if (ids != null && ids.remove(promptId) && ids.isEmpty()) {
      expiries.remove(time);
    }
  }

  @Override
  public String[] takeExpiries(long time) {
    if (expiries.isEmpty()) {
      return NONE; // without boxing time
    }
    List<String> ids = expiries.remove(time);
    return ids == null ? NONE : ids.toArray(NONE);
  }

  @Override
  public long nextExpiry() {
    return expiries.isEmpty() ? Long.MAX_VALUE : expiries.firstKey();
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
