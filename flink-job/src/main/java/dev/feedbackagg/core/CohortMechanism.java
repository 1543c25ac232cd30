package dev.feedbackagg.core;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.Choice;
import dev.feedbackagg.avro.LabelerContribution;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The mechanism of one cohort (MECHANISM.md): aggregation at close, the specialists update when
 * the outcome is known, expiry of pending items, regret accounting and snapshots.
 *
 * <p>It is the one place where the arithmetic lives. The reference replays a sorted event log
 * through it; the Flink Mechanism operator calls {@link #step} from its timers with the events
 * of one event time. Both therefore produce the same bits.
 */
public final class CohortMechanism {
  private final MechanismConfig config;
  private final double eta;
  private final Loss loss;

  // Scratch of the item being closed, reused from item to item (a mechanism serves one thread,
  // and nothing emitted or stored refers to these arrays).

  /** The states of the labelers of the item being closed, reused when its outcome is held. */
  private LabelerState[] closing = new LabelerState[16];

  /** Their log-weights. */
  private double[] logWeights = new double[16];

  /** Their losses, in the update. */
  private double[] losses = new double[16];

  private final Aggregation.Scratch agg = new Aggregation.Scratch();

  /** The item being closed when its outcome is held: it is applied at once, never stored. */
  private final PendingItem held = new PendingItem();

  public CohortMechanism(MechanismConfig config) {
    this.config = config;
    this.eta = config.eta();
    this.loss = config.loss();
  }

  public MechanismConfig config() {
    return config;
  }

  /** The last boundary computed, and the times [boundaryFrom, boundary) whose next it is. */
  private long boundaryFrom = 1;

  private long boundary;

  /** The first metrics boundary strictly after t. */
  public long nextBoundary(long t) {
    if (t >= boundaryFrom && t < boundary) {
      return boundary; // saves the 64-bit division, once per step
    }
    long i = config.metricsIntervalMs();
    long b = Math.floorDiv(t, i) * i + i;
    if (b < t) {
      return Long.MAX_VALUE; // overflow near Long.MAX_VALUE
    }
    boundaryFrom = b - i;
    boundary = b;
    return b;
  }

  /** What {@link #advance} returns when nothing is due in the cohort. */
  public static final long NOTHING_DUE = Long.MIN_VALUE;

  /**
   * Labels looked up ahead in one go ({@link CohortStore#labelersAhead}): their cache misses
   * overlap, where one item's lookups alone would wait for them nearly one by one.
   */
  static final int AHEAD_LABELS = 128;

  /** At most this many event times are taken ahead from an {@link EventBuffer}. */
  static final int AHEAD_TIMES = 64;

  // The look-ahead (a mechanism serves one thread, and holds nothing here between calls).

  /** The times being applied, each with its events in apply order: a ring from aheadHead. */
  private final long[] aheadTimes = new long[AHEAD_TIMES];

  @SuppressWarnings("unchecked")
  private final List<ItemEvent>[] aheadEvents = new List[AHEAD_TIMES];

  private int aheadHead;
  private int aheadSize;

  /** Where more times come from (null in {@link #step}), up to aheadUntil. */
  private EventBuffer aheadSource;

  private long aheadUntil;

  /**
   * The labels looked up ahead: the ids, and their states if the store gave them (aheadResolved).
   * They are those of entries, one per close or outcome of a pending item, in apply order: the
   * event, the pending item found for an outcome, where its labels start.
   */
  private String[] aheadIds = new String[2 * AHEAD_LABELS];

  private LabelerState[] aheadStates = new LabelerState[2 * AHEAD_LABELS];
  private boolean aheadResolved;
  private int aheadLabels;
  private ItemEvent[] entryEvents = new ItemEvent[AHEAD_LABELS];
  private PendingItem[] entryItems = new PendingItem[AHEAD_LABELS];
  private int[] entryStarts = new int[AHEAD_LABELS];
  private int entryCount;

  /** The next entry to apply. */
  private int entryCursor;

  /** Events applied in this call, and how many of them the last look-ahead covers. */
  private long eventsApplied;

  private long eventsLookedAt;

  /**
   * Applies everything that happens in the cohort at event time ts, in the order of MECHANISM.md:
   * first the snapshot of a boundary at ts (it reflects the events before ts), then expiries,
   * then the given events (outcomes before closes, ascending prompt id).
   *
   * @param events the cohort's events with time ts, in any order (sorted here)
   * @return the metrics boundary now due (the caller sets a timer there), or {@link
   *     CohortSummary#NO_BOUNDARY}
   */
  public long step(CohortStore store, String cohort, long ts, List<ItemEvent> events, MechanismOutput out)
      throws Exception {
    try {
      pushAhead(ts, events);
      return applyAheadHead(store, cohort, out);
    } finally {
      clearAhead();
    }
  }

  /**
   * Applies, in ascending order, every time up to and including until at which something is due
   * in the cohort: the buffer's events, expiries of pending items, the metrics boundary. Exactly
   * as if {@link #step} were called at each such time with the events buffered for it (none if
   * only an expiry or a boundary is due), each time found after the previous one is applied; so
   * the outputs and the state are the same, bit for bit. Before each due time it calls {@link
   * MechanismOutput#at}.
   *
   * <p>The difference is speed: events of later times are taken from the buffer ahead of their
   * turn (never beyond until), and the labelers of the next items are looked up in groups before
   * those items are applied ({@link CohortStore#labelersAhead}), so that their cache misses
   * overlap. ({@link #step} does the same within its events.)
   *
   * @return the earliest time still due (after until), or {@link #NOTHING_DUE}
   */
  public long advance(
      CohortStore store, String cohort, EventBuffer buffer, long until, MechanismOutput out)
      throws Exception {
    try {
      aheadSource = buffer;
      aheadUntil = until;
      long due = nextDue(store);
      while (due != NOTHING_DUE && due <= until) {
        out.at(due);
        if (aheadSize == 0 && !buffer.isEmpty() && buffer.firstTime() == due) {
          takeAhead();
        }
        if (aheadSize > 0 && aheadTimes[aheadHead] == due) {
          applyAheadHead(store, cohort, out);
        } else {
          apply(store, cohort, due, List.of(), out); // an expiry or a boundary
        }
        due = nextDue(store);
      }
      return due;
    } finally {
      clearAhead();
    }
  }

  /**
   * The earliest time at which something is due in the cohort (buffered events, whether taken
   * ahead or not, an expiry, the metrics boundary), or {@link #NOTHING_DUE}.
   */
  private long nextDue(CohortStore store) throws Exception {
    long due = Long.MAX_VALUE;
    boolean any = false;
    if (aheadSize > 0) {
      due = aheadTimes[aheadHead]; // ascending, and before what is left in the buffer
      any = true;
    } else if (!aheadSource.isEmpty()) {
      due = aheadSource.firstTime();
      any = true;
    }
    long expiry = store.nextExpiry();
    if (expiry != Long.MAX_VALUE) {
      due = Math.min(due, expiry);
      any = true;
    }
    long boundary = store.summary().pendingBoundary;
    if (boundary != CohortSummary.NO_BOUNDARY) {
      due = Math.min(due, boundary);
      any = true;
    }
    return any ? due : NOTHING_DUE;
  }

  /**
   * Takes the earliest time of the buffer into the look-ahead, if there is one up to {@link
   * #aheadUntil} and room; returns whether it did.
   */
  private boolean takeAhead() {
    EventBuffer b = aheadSource;
    if (b == null || aheadSize == AHEAD_TIMES || b.isEmpty() || b.firstTime() > aheadUntil) {
      return false;
    }
    long t = b.firstTime();
    pushAhead(t, b.takeFirst());
    return true;
  }

  /** Appends the events of time t to the look-ahead, in apply order. */
  private void pushAhead(long t, List<ItemEvent> events) {
    List<ItemEvent> sorted = events;
    if (events.size() > 1) {
      sorted = new ArrayList<>(events);
      sorted.sort(ItemEvent.APPLY_ORDER);
    }
    int i = (aheadHead + aheadSize) % AHEAD_TIMES;
    aheadTimes[i] = t;
    aheadEvents[i] = sorted;
    aheadSize++;
  }

  private void clearAhead() {
    Arrays.fill(aheadEvents, null);
    aheadHead = 0;
    aheadSize = 0;
    aheadSource = null;
    clearEntries();
    eventsApplied = 0;
    eventsLookedAt = 0;
  }

  private void clearEntries() {
    Arrays.fill(aheadStates, 0, aheadLabels, null);
    Arrays.fill(entryEvents, 0, entryCount, null);
    Arrays.fill(entryItems, 0, entryCount, null);
    aheadLabels = 0;
    entryCount = 0;
    entryCursor = 0;
    aheadResolved = false;
  }

  /** Applies the earliest time of the look-ahead with its events, and drops it. */
  private long applyAheadHead(CohortStore store, String cohort, MechanismOutput out)
      throws Exception {
    long r = apply(store, cohort, aheadTimes[aheadHead], aheadEvents[aheadHead], out);
    aheadEvents[aheadHead] = null;
    aheadHead = (aheadHead + 1) % AHEAD_TIMES;
    aheadSize--;
    return r;
  }

  /**
   * Looks up ahead the labelers of the events from the i-th event of the look-ahead's head on,
   * across later times (taking more from the buffer), up to about {@link #AHEAD_LABELS} labels:
   * of each close, and of each outcome whose item is pending now. Replaces the entries.
   */
  private void lookAhead(CohortStore store, int i) throws Exception {
    clearEntries();
    String[] ids = aheadIds;
    int n = 0;
    int entries = 0;
    long looked = eventsApplied;
    int t = 0; // times after the head
    List<ItemEvent> events = aheadEvents[aheadHead];
    while (n < AHEAD_LABELS) {
      if (i == events.size()) {
        if (++t == aheadSize && !takeAhead()) {
          break;
        }
        events = aheadEvents[(aheadHead + t) % AHEAD_TIMES];
        i = 0;
        continue;
      }
      ItemEvent e = events.get(i++);
      looked++;
      PendingItem item = null;
      String[] labelers;
      if (e.kind == ItemEvent.Kind.CLOSE) {
        labelers = e.labelerIds;
      } else {
        item = store.pending(e.promptId);
        if (item == null) {
          continue; // unmatched, or closes within this look-ahead
        }
        labelers = item.labelerIds;
      }
      if (n + labelers.length > ids.length) {
        int m = Math.max(n + labelers.length, 2 * ids.length);
        ids = aheadIds = Arrays.copyOf(ids, m);
        aheadStates = Arrays.copyOf(aheadStates, m);
      }
      if (entries == entryEvents.length) {
        entryEvents = Arrays.copyOf(entryEvents, 2 * entries);
        entryItems = Arrays.copyOf(entryItems, 2 * entries);
        entryStarts = Arrays.copyOf(entryStarts, 2 * entries);
      }
      entryEvents[entries] = e;
      entryItems[entries] = item;
      entryStarts[entries] = n;
      entries++;
      System.arraycopy(labelers, 0, ids, n, labelers.length);
      n += labelers.length;
    }
    aheadResolved = store.labelersAhead(ids, n, aheadStates);
    Arrays.fill(ids, 0, n, null);
    aheadLabels = n;
    entryCount = entries;
    eventsLookedAt = looked;
  }

  /**
   * Where the labels of event e start among those looked up ahead, or -1 if they were not (or
   * the store gave no states); moves past e's entry. item: the pending item of an outcome.
   */
  private int aheadStart(ItemEvent e, PendingItem item) {
    if (entryCursor < entryCount && entryEvents[entryCursor] == e) {
      int c = entryCursor++;
      if (aheadResolved && entryItems[c] == item) {
        return entryStarts[c];
      }
    }
    return -1;
  }

  /** {@link #step} with the events in apply order, the look-ahead's head. */
  private long apply(
      CohortStore store, String cohort, long ts, List<ItemEvent> sorted, MechanismOutput out)
      throws Exception {
    CohortSummary summary = store.summary();
    if (summary.pendingBoundary != CohortSummary.NO_BOUNDARY && summary.pendingBoundary <= ts) {
      snapshot(store, summary, cohort, summary.pendingBoundary, false, out);
      summary.pendingBoundary = CohortSummary.NO_BOUNDARY;
    }
    boolean changed = false;
    String[] expiring = store.takeExpiries(ts);
    if (expiring.length > 0) {
      Arrays.sort(expiring);
      for (String promptId : expiring) {
        PendingItem p = store.pending(promptId);
        if (p != null && p.expiresAt(config.outcomeTimeoutMs()) == ts) {
          store.removePending(promptId);
          summary.itemsExpired++;
          changed = true;
        }
      }
    }
    // Events come from the look-ahead's head (sorted is aheadEvents[aheadHead]).
    for (int i = 0, size = sorted.size(); i < size; i++, eventsApplied++) {
      ItemEvent e = sorted.get(i);
      if (entryCursor == entryCount && eventsApplied >= eventsLookedAt) {
        lookAhead(store, i);
      }
      if (e.kind == ItemEvent.Kind.CLOSE) {
        close(store, summary, e, aheadStart(e, null), out);
        if (e.hasOutcome) {
          applyOutcome(store, summary, pendingItem(e, held, logWeights), e.outcome, closing, 0);
        } else {
          PendingItem p =
              pendingItem(e, new PendingItem(), Arrays.copyOf(logWeights, e.labelerIds.length));
          store.putPending(p);
          store.addExpiry(p.expiresAt(config.outcomeTimeoutMs()), p.promptId);
        }
        changed = true;
      } else {
        PendingItem p = store.pending(e.promptId);
        int from = aheadStart(e, p);
        if (p == null) {
          out.unmatchedOutcome(e);
        } else {
          store.removePending(e.promptId); // and with it, its expiry
          applyOutcome(store, summary, p, e.outcome, from < 0 ? null : aheadStates, Math.max(from, 0));
          changed = true;
        }
      }
    }
    if (changed) {
      summary.pendingBoundary = nextBoundary(ts);
    }
    store.putSummary(summary);
    return summary.pendingBoundary;
  }

  /** The snapshot at end of input (after every event and timer): snapshot_time Long.MAX_VALUE. */
  public void endOfInput(CohortStore store, String cohort, MechanismOutput out) throws Exception {
    CohortSummary summary = store.summary();
    snapshot(store, summary, cohort, Long.MAX_VALUE, true, out);
    summary.pendingBoundary = CohortSummary.NO_BOUNDARY;
    store.putSummary(summary);
  }

  /**
   * Aggregates the item and emits its aggregate. Leaves the labelers' states in {@link #closing},
   * their log-weights in {@link #logWeights} and the aggregate in {@link #agg}. The states come
   * from {@link #aheadStates} from index ahead on, looked up before (null: not seen then), or
   * from the store if ahead is -1.
   */
  private void close(
      CohortStore store, CohortSummary summary, ItemEvent e, int ahead, MechanismOutput out)
      throws Exception {
    String[] ids = e.labelerIds;
    int n = ids.length;
    if (closing.length < n) {
      int m = Math.max(n, 2 * closing.length);
      closing = new LabelerState[m];
      logWeights = new double[m];
      losses = new double[m];
    }
    LabelerState[] states = closing;
    double[] a = logWeights;
    if (ahead >= 0) {
      System.arraycopy(aheadStates, ahead, states, 0, n);
    } else {
      store.labelers(ids, states);
    }
    for (int i = 0; i < n; i++) {
      LabelerState s = states[i];
      if (s == null) {
        // Null, unless the id came earlier in this item, or (looked up ahead) in an item since.
        s = store.labeler(ids[i]);
      }
      if (s == null) {
        s = LabelerState.newcomer(config.newcomerOffset());
        s.changedSinceSnapshot = true;
        store.putLabeler(ids[i], s);
        store.markChanged(ids[i]);
        summary.labelers++;
      }
      states[i] = s;
      a[i] = s.logWeight(eta);
    }
    Aggregation.check(e.reports.length, n);
    agg.aggregate(e.reports, a);
    summary.itemsClosed++;
    summary.sumEffectiveLabelers += agg.effectiveLabelers;

    double[] w = agg.weights;
    List<LabelerContribution> contributions = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      // The no-argument constructor and setters: Avro's all-fields constructor boxes every
      // number, its builder validates and fills defaults; every field is set here.
      LabelerContribution c = new LabelerContribution();
      c.setLabelerId(ids[i]);
      c.setReport(e.reports[i]);
      c.setWeight(w[i]);
      contributions.add(c);
    }
    double p = agg.preference;
    AggregatedPreference r = new AggregatedPreference();
    r.setCohort(e.cohort);
    r.setPromptId(e.promptId);
    r.setResponseAId(e.responseAId);
    r.setResponseBId(e.responseBId);
    r.setSequence(summary.itemsClosed);
    r.setCloseTime(e.time);
    r.setCloseReason(e.closeReason);
    r.setPreference(p);
    r.setChosen(p > 0.5 ? Choice.A : p < 0.5 ? Choice.B : Choice.TIE);
    r.setConfidence(Math.abs(2.0 * p - 1.0));
    r.setEffectiveLabelers(agg.effectiveLabelers);
    r.setLabels(n);
    r.setMean(agg.mean);
    r.setMedian(agg.median);
    r.setMajority(agg.majority);
    r.setEta(eta);
    r.setContributions(contributions);
    out.aggregated(r);
  }

  /**
   * Fills item with the close e and the aggregate just computed in {@link #agg}; a(i) are the
   * log-weights (the array may be longer than the item when item is {@link #held}).
   */
  private PendingItem pendingItem(ItemEvent e, PendingItem item, double[] a) {
    item.promptId = e.promptId;
    item.closeTime = e.time;
    item.labelerIds = e.labelerIds;
    item.reports = e.reports;
    item.logWeights = a;
    item.maxLogWeight = agg.maxLogWeight;
    item.sumWeights = agg.sumWeights;
    item.preference = agg.preference;
    item.mean = agg.mean;
    item.median = agg.median;
    item.majority = agg.majority;
    return item;
  }

  /**
   * The specialists update of MECHANISM.md with the log-weights stored at close, and the regret
   * accounting of the item. The labelers' states are states[from, from + n) where not null (then
   * the live states), else the store's.
   */
  private void applyOutcome(
      CohortStore store,
      CohortSummary summary,
      PendingItem item,
      double y,
      LabelerState[] states,
      int from)
      throws Exception {
    String[] ids = item.labelerIds;
    int n = ids.length;
    double[] a = item.logWeights;
    if (losses.length < n) {
      losses = new double[Math.max(n, 2 * losses.length)];
    }
    double[] losses = this.losses;
    // Z = logsumexp(a - eta l) - logsumexp(a), each with its own max so nothing under- or
    // overflows; logsumexp(a) is the aggregation's normaliser, kept with the pending item.
    double maxB = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      losses[i] = loss.of(item.reports[i], y);
      maxB = Math.max(maxB, a[i] - eta * losses[i]);
    }
    double sumB = 0.0;
    for (int i = 0; i < n; i++) {
      sumB += Math.exp(a[i] - eta * losses[i] - maxB);
    }
    double z = (maxB + Math.log(sumB)) - (item.maxLogWeight + Math.log(item.sumWeights));
    double zOverEta = z / eta;
    double mechanismLoss = loss.of(item.preference, y);
    for (int i = 0; i < n; i++) {
      LabelerState s = states != null ? states[from + i] : null;
      if (s == null) {
        s = store.labeler(ids[i]);
      }
      s.specialistLoss += losses[i] + zOverEta;
      s.rounds++;
      s.loss += losses[i];
      s.specialistRegret += mechanismLoss - losses[i];
      if (!s.changedSinceSnapshot) {
        s.changedSinceSnapshot = true;
        store.markChanged(ids[i]);
      }
      store.updateLabeler(ids[i], s);
    }
    summary.fullParticipants =
        summary.rounds == 0 ? ids.clone() : intersectSorted(summary.fullParticipants, ids);
    summary.rounds++;
    summary.lossMechanism += mechanismLoss;
    summary.lossMean += loss.of(item.mean, y);
    summary.lossMedian += loss.of(item.median, y);
    summary.lossMajority += loss.of(item.majority, y);
  }

  static String[] intersectSorted(String[] a, String[] b) {
    if (a.length == 0) {
      return a; // the usual case once two items had no labeler in common
    }
    String[] out = new String[Math.min(a.length, b.length)];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < a.length && j < b.length) {
      int c = a[i].compareTo(b[j]);
      if (c == 0) {
        out[k++] = a[i];
        i++;
        j++;
      } else if (c < 0) {
        i++;
      } else {
        j++;
      }
    }
    return k == out.length ? out : Arrays.copyOf(out, k);
  }

  private void snapshot(
      CohortStore store,
      CohortSummary summary,
      String cohort,
      long time,
      boolean endOfInput,
      MechanismOutput out)
      throws Exception {
    String bestId = null;
    double bestLoss = 0.0;
    if (summary.rounds > 0) {
      for (String id : summary.fullParticipants) { // ascending: ties go to the smaller id
        double l = store.labeler(id).loss;
        if (bestId == null || l < bestLoss) {
          bestId = id;
          bestLoss = l;
        }
      }
    }
    // Only the labelers changed since the last snapshot are visited: their weights are published,
    // and the max specialist regret moves only through them, unless the labeler that held it
    // changed (its regret may have fallen): then every labeler is looked at again.
    String[] changed = store.takeChanged();
    Arrays.sort(changed);
    long minRounds = config.minRounds();
    boolean rescan =
        summary.maxRegretLabeler != null && Arrays.binarySearch(changed, summary.maxRegretLabeler) >= 0;
    String[] maxId = {rescan ? null : summary.maxRegretLabeler};
    double[] maxRegret = {rescan ? 0.0 : summary.maxRegret};
    CohortStore.LabelerVisitor candidate =
        (id, s) -> {
          if (s.rounds >= minRounds && s.rounds > 0) {
            if (maxId[0] == null
                || s.specialistRegret > maxRegret[0]
                || (s.specialistRegret == maxRegret[0] && id.compareTo(maxId[0]) < 0)) {
              maxId[0] = id;
              maxRegret[0] = s.specialistRegret;
            }
          }
        };
    if (rescan) {
      store.forEachLabeler(candidate);
    }
    LabelerState[] changedStates = new LabelerState[changed.length];
    for (int i = 0; i < changed.length; i++) {
      changedStates[i] = store.labeler(changed[i]);
      if (!rescan) {
        candidate.visit(changed[i], changedStates[i]);
      }
    }
    summary.maxRegretLabeler = maxId[0];
    summary.maxRegret = maxRegret[0];

    RegretMetrics.Builder m =
        RegretMetrics.newBuilder()
            .setCohort(cohort)
            .setSnapshotTime(time)
            .setEndOfInput(endOfInput)
            .setRounds(summary.rounds)
            .setItemsClosed(summary.itemsClosed)
            .setItemsExpired(summary.itemsExpired)
            .setLossMechanism(summary.lossMechanism)
            .setLossMean(summary.lossMean)
            .setLossMedian(summary.lossMedian)
            .setLossMajority(summary.lossMajority)
            .setLabelers(summary.labelers)
            .setMeanEffectiveLabelers(
                summary.itemsClosed == 0 ? 0.0 : summary.sumEffectiveLabelers / summary.itemsClosed);
    if (bestId != null) {
      double regret = summary.lossMechanism - bestLoss;
      m.setBestLabelerId(bestId)
          .setLossBestLabeler(bestLoss)
          .setRegret(regret)
          .setRegretPerSqrtRounds(regret / Math.sqrt(summary.rounds))
          .setRegretPerRound(regret / summary.rounds);
    }
    if (maxId[0] != null) {
      m.setMaxSpecialistRegret(maxRegret[0]).setMaxSpecialistLabelerId(maxId[0]);
    }
    out.regret(m.build());

    for (int i = 0; i < changed.length; i++) {
      String id = changed[i];
      LabelerState s = changedStates[i];
      s.changedSinceSnapshot = false;
      store.updateLabeler(id, s);
      // The constructor, not Avro's builder (which makes a field table per record): the same record.
      out.weight(
          new LabelerWeight(
              cohort, id, time, s.logWeight(eta), s.specialistLoss, s.rounds, s.loss,
              s.specialistRegret));
    }
  }
}
