package dev.feedbackagg.job.operators;

import dev.feedbackagg.core.CohortStore;
import dev.feedbackagg.core.CohortSummary;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.PendingItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One cohort's mechanism state in plain heap structures, as the Mechanism operator works on it
 * between checkpoints. It remembers what changed since it was last written to Flink's keyed state
 * (labelers, pending items, the summary, the buffer), so that a checkpoint writes only that.
 *
 * <p>Expiries are not written: they follow from the pending items (close time + outcome timeout)
 * and are rebuilt when the cohort is read back. Likewise the labelers changed since the last
 * metrics snapshot are those whose {@link LabelerState#changedSinceSnapshot} is set.
 *
 * <p>Which labelers to write: the core notes every labeler it changes with {@link #markChanged}
 * (once per metrics interval, the {@link CohortStore} contract), and a metrics snapshot changes
 * exactly the labelers it takes with {@link #takeChanged}. So the labelers changed since the last
 * checkpoint are those noted now plus those taken by snapshots since: two lists, no per-update
 * bookkeeping on the hot path.
 */
final class CohortCache implements CohortStore {
  private static final String[] NONE = new String[0];

  final Map<String, LabelerState> labelers = new HashMap<>();
  final Map<String, PendingItem> pending = new HashMap<>();
  final TreeMap<Long, List<String>> expiries = new TreeMap<>();
  private final List<String> changed = new ArrayList<>();
  CohortSummary summary = new CohortSummary();

  /** Item events waiting for the watermark, by event time. */
  final TreeMap<Long, List<ItemEvent>> buffer = new TreeMap<>();

  /** The cohort's registered wake-up timer, or {@link Long#MIN_VALUE}. */
  long timer = Long.MIN_VALUE;

  /** Whether the end-of-input snapshot was taken (and no event came since). */
  boolean ended;

  // What changed since the last write to keyed state (labelers: see the class comment).
  private final List<String> takenSinceCheckpoint = new ArrayList<>();
  final Set<String> dirtyPending = new HashSet<>();
  boolean dirtySummary;
  boolean dirtyBuffer;

  void buffer(ItemEvent e) {
    buffer.computeIfAbsent(e.time, t -> new ArrayList<>(4)).add(e);
    dirtyBuffer = true;
  }

  /**
   * The earliest event time at which something is due: buffered events, an expiry or a metrics
   * boundary; {@link Long#MIN_VALUE} if nothing is.
   */
  long nextDue() {
    long due = Long.MAX_VALUE;
    boolean any = false;
    if (!buffer.isEmpty()) {
      due = buffer.firstKey();
      any = true;
    }
    if (!expiries.isEmpty()) {
      due = Math.min(due, expiries.firstKey());
      any = true;
    }
    if (summary.pendingBoundary != CohortSummary.NO_BOUNDARY) {
      due = Math.min(due, summary.pendingBoundary);
      any = true;
    }
    return any ? due : Long.MIN_VALUE;
  }

  /** Removes and returns the events buffered for time ts (empty if none). */
  List<ItemEvent> takeBuffered(long ts) {
    List<ItemEvent> at = buffer.remove(ts);
    if (at == null) {
      return List.of();
    }
    dirtyBuffer = true;
    return at;
  }

  /** Everything buffered, in time order. */
  List<ItemEvent> buffered() {
    List<ItemEvent> all = new ArrayList<>();
    buffer.values().forEach(all::addAll);
    return all;
  }

  @Override
  public LabelerState labeler(String labelerId) {
    return labelers.get(labelerId);
  }

  @Override
  public void putLabeler(String labelerId, LabelerState state) {
    labelers.put(labelerId, state); // the core notes it with markChanged
  }

  @Override
  public void updateLabeler(String labelerId, LabelerState state) {
    // The map holds the very object that was changed; the core noted it with markChanged.
  }

  @Override
  public void markChanged(String labelerId) {
    changed.add(labelerId);
  }

  @Override
  public String[] takeChanged() {
    String[] ids = changed.toArray(NONE);
    changed.clear();
    takenSinceCheckpoint.addAll(Arrays.asList(ids));
    return ids;
  }

  /** The labelers changed since the last checkpoint (each once), and starts counting anew. */
  Set<String> takeDirtyLabelers() {
    Set<String> dirty = new HashSet<>(changed);
    dirty.addAll(takenSinceCheckpoint);
    takenSinceCheckpoint.clear();
    return dirty;
  }

  boolean hasDirtyLabelers() {
    return !changed.isEmpty() || !takenSinceCheckpoint.isEmpty();
  }

  @Override
  public void forEachLabeler(LabelerVisitor visitor) throws Exception {
    for (Map.Entry<String, LabelerState> e : labelers.entrySet()) {
      visitor.visit(e.getKey(), e.getValue());
    }
  }

  @Override
  public PendingItem pending(String promptId) {
    return pending.get(promptId);
  }

  @Override
  public void putPending(PendingItem item) {
    pending.put(item.promptId, item);
    dirtyPending.add(item.promptId);
  }

  @Override
  public void removePending(String promptId) {
    pending.remove(promptId);
    dirtyPending.add(promptId);
  }

  @Override
  public void addExpiry(long time, String promptId) {
    expiries.computeIfAbsent(time, t -> new ArrayList<>(2)).add(promptId);
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
    List<String> ids = expiries.remove(time);
    return ids == null ? NONE : ids.toArray(NONE);
  }

  @Override
  public CohortSummary summary() {
    return summary;
  }

  @Override
  public void putSummary(CohortSummary s) {
    summary = s;
    dirtySummary = true;
  }

  /** A copy of the summary that later changes to this cache do not reach. */
  static CohortSummary copy(CohortSummary s) {
    CohortSummary c = new CohortSummary();
    c.rounds = s.rounds;
    c.itemsClosed = s.itemsClosed;
    c.itemsExpired = s.itemsExpired;
    c.labelers = s.labelers;
    c.lossMechanism = s.lossMechanism;
    c.lossMean = s.lossMean;
    c.lossMedian = s.lossMedian;
    c.lossMajority = s.lossMajority;
    c.sumEffectiveLabelers = s.sumEffectiveLabelers;
    c.fullParticipants = s.fullParticipants; // replaced, never changed in place
    c.maxRegretLabeler = s.maxRegretLabeler;
    c.maxRegret = s.maxRegret;
    c.pendingBoundary = s.pendingBoundary;
    return c;
  }
}
