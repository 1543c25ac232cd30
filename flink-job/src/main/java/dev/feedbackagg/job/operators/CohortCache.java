package dev.feedbackagg.job.operators;

import dev.feedbackagg.core.CohortStore;
import dev.feedbackagg.core.CohortSummary;
import dev.feedbackagg.core.EventBuffer;
import dev.feedbackagg.core.InMemoryCohortStore;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.PendingItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One cohort's mechanism state in plain heap structures (the core's {@link InMemoryCohortStore}),
 * as the Mechanism operator works on it between checkpoints, plus the item events waiting for the
 * watermark and what changed since the state was last written to Flink's keyed state (labelers,
 * pending items, the summary, the buffer), so that a checkpoint writes only that.
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
final class CohortCache extends InMemoryCohortStore implements EventBuffer {
  /**
   * Item events waiting for the watermark, by event time: a heap, not a sorted map, as they come
   * almost in time order and each leaves once (no boxed time, no tree rebalancing per event).
   */
  private final DueQueue<ItemEvent> buffer = new DueQueue<>();

  /** The cohort's registered wake-up timer, or {@link Long#MIN_VALUE}. */
  long timer = Long.MIN_VALUE;

  /** Whether the end-of-input snapshot was taken (and no event came since). */
  boolean ended;

  // What changed since the last write to keyed state (labelers: see the class comment).
  private final List<String> takenSinceCheckpoint = new ArrayList<>();
  private final Set<String> dirtyPending = new HashSet<>();
  private boolean dirtySummary;
  private boolean dirtyBuffer;

  // Set when the lists above outgrow what the cohort holds (no checkpoint for a long time, or
  // none configured): the next checkpoint or savepoint then writes all labelers, or rewrites all
  // pending items, instead of growing the lists without bound.
  private boolean allLabelersDirty;
  private boolean allPendingDirty;

  void buffer(ItemEvent e) {
    buffer.add(e.time, e);
    dirtyBuffer = true;
  }

  /**
   * The earliest event time at which something is due: buffered events, an expiry or a metrics
   * boundary; {@link Long#MIN_VALUE} if nothing is.
   */
  long nextDue() {
    long due = Long.MAX_VALUE;
    boolean any = false;
    if (buffer.size() > 0) {
      due = buffer.peekTime();
      any = true;
    }
    long expiry = nextExpiry();
    if (expiry != Long.MAX_VALUE) {
      due = Math.min(due, expiry);
      any = true;
    }
    long boundary = summary().pendingBoundary;
    if (boundary != CohortSummary.NO_BOUNDARY) {
      due = Math.min(due, boundary);
      any = true;
    }
    return any ? due : Long.MIN_VALUE;
  }

  @Override
  public boolean isEmpty() {
    return buffer.size() == 0;
  }

  @Override
  public long firstTime() {
    return buffer.peekTime();
  }

  @Override
  public List<ItemEvent> takeFirst() {
    dirtyBuffer = true;
    long t = buffer.peekTime();
    List<ItemEvent> at = new ArrayList<>(4);
    do {
      at.add(buffer.poll());
    } while (buffer.size() > 0 && buffer.peekTime() == t);
    return at;
  }

  boolean hasBuffered() {
    return buffer.size() > 0;
  }

  /** Everything buffered, in time order. */
  List<ItemEvent> buffered() {
    return buffer.inOrder();
  }

  @Override
  public String[] takeChanged() {
    String[] ids = super.takeChanged();
    if (!allLabelersDirty) {
      takenSinceCheckpoint.addAll(Arrays.asList(ids));
      if (takenSinceCheckpoint.size() > 2L * summary().labelers + 4096) {
        allLabelersDirty = true;
        takenSinceCheckpoint.clear();
      }
    }
    return ids;
  }

  @Override
  public void putPending(PendingItem item) {
    super.putPending(item);
    pendingChanged(item.promptId);
  }

  @Override
  public void removePending(String promptId) {
    super.removePending(promptId);
    pendingChanged(promptId);
  }

  private void pendingChanged(String promptId) {
    if (!allPendingDirty) {
      dirtyPending.add(promptId);
      if (dirtyPending.size() > 2L * pendingCount() + 4096) {
        allPendingDirty = true;
        dirtyPending.clear();
      }
    }
  }

  @Override
  public void putSummary(CohortSummary s) {
    super.putSummary(s);
    dirtySummary = true;
  }

  boolean isDirty() {
    return dirtySummary || dirtyBuffer || !dirtyPending.isEmpty() || !takenSinceCheckpoint.isEmpty()
        || !changedSinceSnapshot().isEmpty() || allLabelersDirty || allPendingDirty;
  }

  /** The labelers changed since the last checkpoint (each once), and starts counting anew. */
  Set<String> takeDirtyLabelers() {
    if (allLabelersDirty) {
      allLabelersDirty = false;
      takenSinceCheckpoint.clear();
      return labelers().keySet(); // labelers() is a fresh copy
    }
    Set<String> dirty = new HashSet<>(changedSinceSnapshot());
    dirty.addAll(takenSinceCheckpoint);
    takenSinceCheckpoint.clear();
    return dirty;
  }

  /**
   * Whether all pending items are to be rewritten (the state's pending items cleared, then every
   * held one written), and starts counting anew; else {@link #takeDirtyPending} says which.
   */
  boolean takeAllPendingDirty() {
    boolean all = allPendingDirty;
    allPendingDirty = false;
    return all;
  }

  /** Whether the next checkpoint writes every labeler. For tests. */
  boolean allLabelersDirty() {
    return allLabelersDirty;
  }

  /** Whether the next checkpoint rewrites every pending item. For tests. */
  boolean allPendingDirty() {
    return allPendingDirty;
  }

  /** The pending items put or removed since the last checkpoint, and starts counting anew. */
  Set<String> takeDirtyPending() {
    Set<String> dirty = new HashSet<>(dirtyPending);
    dirtyPending.clear();
    return dirty;
  }

  /** Whether the summary changed since the last checkpoint, and starts counting anew. */
  boolean takeDirtySummary() {
    boolean d = dirtySummary;
    dirtySummary = false;
    return d;
  }

  /** Whether the buffer changed since the last checkpoint, and starts counting anew. */
  boolean takeDirtyBuffer() {
    boolean d = dirtyBuffer;
    dirtyBuffer = false;
    return d;
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
