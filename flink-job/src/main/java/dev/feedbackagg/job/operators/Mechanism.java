package dev.feedbackagg.job.operators;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.CohortMechanism;
import dev.feedbackagg.core.CohortSummary;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.MechanismOutput;
import dev.feedbackagg.core.PendingItem;
import dev.feedbackagg.io.DeadLetters;
import dev.feedbackagg.job.types.EventTypes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.Either;
import org.apache.flink.util.OutputTag;

/**
 * The mechanism of one cohort (key: cohort). ARCHITECTURE.md, Mechanism. All arithmetic is
 * {@link CohortMechanism}'s; this operator calls it in event-time order: item events wait until
 * the watermark passes their time, then every time at which something is due (buffered events,
 * expiries of pending items, metrics boundaries) is applied in ascending order.
 *
 * <p>State: while the job runs, each cohort's state lives in plain heap structures ({@link
 * CohortCache}); at every checkpoint (and savepoint) the operator writes what changed since the
 * previous one into Flink keyed state, before the state backend takes its snapshot, and after a
 * restore a cohort is read back from keyed state the first time one of its events or timers comes.
 * So the per-event work touches no state backend (a heap hash map, not a RocksDB call), and the
 * checkpoint holds the same state as before. The cost: every cohort this subtask has seen is held on
 * the heap (labelers, pending items), also with the RocksDB backend, whose state is then its
 * durable copy.
 *
 * <p>Each cohort has one event-time timer, at the earliest due time; end of input (the final
 * watermark) takes the end-of-input snapshot. Labeler weights never expire (no TTL: they are what
 * the cohort has learned). Pending items are removed when their outcome comes or when the outcome
 * timeout passes.
 */
public final class Mechanism extends AbstractStreamOperator<Either<AggregatedPreference, LabelerWeight>>
    implements OneInputStreamOperator<ItemEvent, Either<AggregatedPreference, LabelerWeight>>,
        Triggerable<String, VoidNamespace> {
  private static final long serialVersionUID = 2L;

  public static final OutputTag<RegretMetrics> REGRET =
      new OutputTag<>("regret", TypeInformation.of(RegretMetrics.class));
  /**
   * The main output: aggregates (left) and labeler weights (right), one stream, so that one sink,
   * one transactional producer per subtask, writes both topics, and a checkpoint commits both in
   * one transaction.
   */
  public static final TypeInformation<Either<AggregatedPreference, LabelerWeight>> RESULTS =
      new EitherTypeInfo<>(TypeInformation.of(AggregatedPreference.class), TypeInformation.of(LabelerWeight.class));
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("mechanism-dead-letters", TypeInformation.of(DeadLetter.class));

  static final MapStateDescriptor<String, LabelerState> LABELERS =
      new MapStateDescriptor<>("labelers", Types.STRING, TypeInformation.of(LabelerState.class));
  static final MapStateDescriptor<String, PendingItem> PENDING =
      new MapStateDescriptor<>("pending-items", Types.STRING, TypeInformation.of(PendingItem.class));
  static final ValueStateDescriptor<CohortSummary> SUMMARY =
      new ValueStateDescriptor<>("summary", TypeInformation.of(CohortSummary.class));
  static final ListStateDescriptor<ItemEvent> BUFFER =
      new ListStateDescriptor<>("buffered-item-events", EventTypes.ITEM);

  private static final long NONE = Long.MIN_VALUE;
  private static final long END_OF_INPUT = Long.MAX_VALUE;

  private final MechanismConfig config;
  private transient CohortMechanism mechanism;
  private transient InternalTimerService<VoidNamespace> timers;
  private transient Map<String, CohortCache> cohorts;
  private transient MapState<String, LabelerState> labelers;
  private transient MapState<String, PendingItem> pending;
  private transient ValueState<CohortSummary> summary;
  private transient ListState<ItemEvent> buffer;
  private transient Counter behindWatermark;

  public Mechanism(MechanismConfig config) {
    this.config = config;
  }

  @Override
  public void open() throws Exception {
    super.open();
    mechanism = new CohortMechanism(config);
    cohorts = new HashMap<>();
    labelers = getPartitionedState(LABELERS);
    pending = getPartitionedState(PENDING);
    summary = getPartitionedState(SUMMARY);
    buffer = getPartitionedState(BUFFER);
    timers = getInternalTimerService("mechanism", VoidNamespaceSerializer.INSTANCE, this);
    behindWatermark = getMetricGroup().counter("itemEventsBehindWatermark");
  }

  @Override
  public void processElement(StreamRecord<ItemEvent> element) throws Exception {
    ItemEvent e = element.getValue();
    if (e.time <= timers.currentWatermark()) {
      // ItemWindow emits before it forwards the watermark: this cannot happen unless the
      // topology changes. Still apply it (at the next watermark), never drop it.
      behindWatermark.inc();
    }
    CohortCache c = cohort();
    c.buffer(e);
    c.ended = false;
    wakeUpBy(c, e.time);
  }

  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    String key = timer.getKey();
    CohortCache c = cohort();
    if (c.timer == timer.getTimestamp()) {
      c.timer = NONE;
    }
    long watermark = timers.currentWatermark();
    Output out = new Output();
    long due = mechanism.advance(c, key, c, watermark, out); // every time due up to the watermark
    if (watermark == END_OF_INPUT) {
      // The final watermark (bounded input, or stop with drain): the end-of-input snapshot, once
      // (a timer restored from a checkpoint may fire beside the cohort's own).
      if (!c.ended) {
        out.time = END_OF_INPUT;
        mechanism.endOfInput(c, key, out);
        c.ended = true;
      }
      return;
    }
    wakeUpBy(c, due == CohortMechanism.NOTHING_DUE ? END_OF_INPUT : due);
  }

  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

  /** Makes the current cohort's timer fire no later than time. */
  private void wakeUpBy(CohortCache c, long time) {
    if (c.timer != NONE && c.timer <= time) {
      return;
    }
    if (c.timer != NONE) {
      timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, c.timer);
    }
    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, time);
    c.timer = time;
  }

  /** The cohort's cache, or null when not held. For tests. */
  CohortCache cohortCache(String cohort) {
    return cohorts.get(cohort);
  }

  /** The current key's cohort, read from keyed state the first time after a start or restore. */
  private CohortCache cohort() throws Exception {
    String key = (String) getCurrentKey();
    CohortCache c = cohorts.get(key);
    if (c == null) {
      c = load();
      cohorts.put(key, c);
    }
    return c;
  }

  private CohortCache load() throws Exception {
    CohortCache c = new CohortCache();
    CohortSummary s = summary.value();
    if (s != null) {
      c.putSummary(CohortCache.copy(s));
    }
    List<String> changed = new ArrayList<>();
    for (Map.Entry<String, LabelerState> e : orEmpty(labelers.entries())) {
      LabelerState state = e.getValue().copy(); // the cache changes its objects in place
      c.putLabeler(e.getKey(), state);
      if (state.changedSinceSnapshot) {
        changed.add(e.getKey());
      }
    }
    changed.sort(null);
    for (String id : changed) {
      c.markChanged(id);
    }
    for (PendingItem p : orEmpty(pending.values())) { // never changed after the close: shared
      c.putPending(p);
      c.addExpiry(p.expiresAt(config.outcomeTimeoutMs()), p.promptId);
    }
    for (ItemEvent e : orEmpty(buffer.get())) {
      c.buffer(e);
    }
    // Read back, not changed: nothing to write at the next checkpoint but what changes from now.
    c.takeDirtyPending();
    c.takeDirtySummary();
    c.takeDirtyBuffer();
    if (s == null && !c.hasBuffered()) {
      return c; // a new cohort
    }
    // The timer that was registered for the cohort came back with the checkpoint; one more at
    // the next due time does no harm (a timer finds nothing due, or does what is due).
    long due = c.nextDue();
    c.timer = due == NONE ? END_OF_INPUT : due;
    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, c.timer);
    return c;
  }

  /** The backend's own state objects (not the user-facing wrappers) give null for empty. */
  private static <T> Iterable<T> orEmpty(Iterable<T> values) {
    return values == null ? List.of() : values;
  }

  /**
   * Writes what changed in every cohort since the last checkpoint into keyed state; called
   * before the state backend takes its snapshot. Labeler states are copied: the cache goes on
   * changing its own objects while the snapshot is written asynchronously.
   */
  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    for (Map.Entry<String, CohortCache> entry : cohorts.entrySet()) {
      CohortCache c = entry.getValue();
      if (!c.isDirty()) {
        continue;
      }
      setCurrentKey(entry.getKey());
      for (String id : c.takeDirtyLabelers()) {
        labelers.put(id, c.labeler(id).copy());
      }
      if (c.takeAllPendingDirty()) {
        pending.clear();
        for (PendingItem p : c.pendingItems()) {
          pending.put(p.promptId, p);
        }
      }
      for (String promptId : c.takeDirtyPending()) {
        PendingItem p = c.pending(promptId);
        if (p == null) {
          pending.remove(promptId);
        } else {
          pending.put(promptId, p);
        }
      }
      if (c.takeDirtySummary()) {
        summary.update(CohortCache.copy(c.summary()));
      }
      if (c.takeDirtyBuffer()) {
        List<ItemEvent> all = c.buffered();
        if (all.isEmpty()) {
          buffer.clear();
        } else {
          buffer.update(all);
        }
      }
    }
  }

  /** Where the core's outputs go, stamped with the event time being applied. */
  private final class Output implements MechanismOutput {
    long time;

    @Override
    public void at(long t) {
      time = t;
    }

    @Override
    public void aggregated(AggregatedPreference record) {
      output.collect(new StreamRecord<>(Either.Left(record), time));
    }

    @Override
    public void regret(RegretMetrics record) {
      output.collect(REGRET, new StreamRecord<>(record, time));
    }

    @Override
    public void weight(LabelerWeight record) {
      output.collect(new StreamRecord<>(Either.Right(record), time));
    }

    @Override
    public void unmatchedOutcome(ItemEvent outcome) {
      output.collect(DEAD_LETTERS, new StreamRecord<>(DeadLetters.forUnmatchedOutcome(outcome,
          "no pending item: it expired after the outcome timeout, or never closed"), time));
    }
  }
}
