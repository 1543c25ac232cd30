package dev.feedbackagg.job.operators;

import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.core.ItemAssembler;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.ItemOutput;
import dev.feedbackagg.core.ItemPolicy;
import dev.feedbackagg.core.ItemState;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.io.DeadLetters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Collects the reports of one item (key: cohort and prompt id) and closes it; forwards its outcome.
 * ARCHITECTURE.md, ItemWindow. The decisions are {@link ItemAssembler}'s; this operator only makes
 * sure it sees each item's inputs in event-time order: inputs wait until the watermark passes their
 * time. Each item is queued at the earliest time something is due for it (a buffered input, its
 * timeout, the end of its grace period); when the watermark passes that time, every due time of the
 * item up to the watermark is applied in ascending order, and the item is queued at its next due
 * time. An item's state and closed marker are dropped when the grace period after the close has
 * passed (event time, not TTL, so that clean-up happens at the same event time in every run).
 *
 * <p>State: while the job runs, the items live in a heap map and a heap queue of due times, not in
 * the state backend and its timer service (per input, a hash-map lookup instead of a state access
 * and a timer registration). At every checkpoint and savepoint the items changed since the
 * previous one are written into keyed state (one entry per item, under its key, so that the state
 * is redistributed by key group on rescaling), before the backend takes its snapshot; on restore
 * every item of the subtask's key groups is read back and queued. The cost: every open item, its
 * buffered inputs and every closed marker in its grace period are held on the heap, also with the
 * RocksDB backend, whose state is then their durable copy.
 */
public final class ItemWindow extends AbstractStreamOperator<ItemEvent>
    implements TwoInputStreamOperator<ReportEvent, OutcomeEvent, ItemEvent> {
  private static final long serialVersionUID = 2L;

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("item-window-dead-letters", TypeInformation.of(DeadLetter.class));

  static final ValueStateDescriptor<WindowState> STATE =
      new ValueStateDescriptor<>("item-window", TypeInformation.of(WindowState.class));

  private static final long NONE = ItemState.NONE;

  private final ItemPolicy policy;
  private transient ItemAssembler assembler;
  private transient ValueState<WindowState> state;
  private transient Map<String, WindowState> items;
  private transient DueQueue<WindowState> due;
  private transient List<String> dirty;

  /**
   * Set when the list of changed items outgrew the items held (no checkpoint for a long time, or
   * none configured): the next checkpoint or savepoint then rewrites the whole state instead.
   */
  private transient boolean rewriteAll;
  private transient long watermark;
  private transient Sink sink;

  public ItemWindow(ItemPolicy policy) {
    this.policy = policy;
  }

  /** The key of an item: cohort and prompt id, joined by a NUL that no id contains. */
  public static String key(String cohort, String promptId) {
    return cohort + '\u0000' + promptId;
  }

  @Override
  public void open() throws Exception {
    super.open();
    assembler = new ItemAssembler(policy);
    state = getPartitionedState(STATE);
    items = new HashMap<>();
    due = new DueQueue<>();
    dirty = new ArrayList<>();
    watermark = Long.MIN_VALUE;
    sink = new Sink();
    getMetricGroup().gauge("itemsHeld", () -> items.size());
    restore();
  }

  /** Reads back every item of this subtask's key groups (none on a fresh start). */
  private void restore() throws Exception {
    for (String key : storedKeys()) { // sorted: one queue order in every run
      setCurrentKey(key);
      WindowState stored = state.value();
      if (stored == null) {
        continue;
      }
      WindowState w = stored.copy(); // the backend's object stays as the checkpoint wrote it
      w.key = key;
      w.timer = NONE;
      items.put(key, w);
      queue(w, nextDue(w));
    }
  }

  /** Items held on the heap: open, buffered or closed in their grace period. For tests. */
  int itemsHeld() {
    return items.size();
  }

  /** Whether the next checkpoint rewrites the whole state. For tests. */
  boolean rewritesAll() {
    return rewriteAll;
  }

  @Override
  public void processElement1(StreamRecord<ReportEvent> element) throws Exception {
    ReportEvent report = element.getValue();
    long ts = report.time();
    if (ts <= watermark) {
      output.collect(DEAD_LETTERS, new StreamRecord<>(
          DeadLetters.forReport(report, DeadLetterReason.LATE, lateMessage(ts)), element.getTimestamp()));
      return;
    }
    WindowState w = current();
    w.add(report);
    wakeUpBy(w, ts);
  }

  @Override
  public void processElement2(StreamRecord<OutcomeEvent> element) throws Exception {
    OutcomeEvent outcome = element.getValue();
    long ts = outcome.time();
    if (ts <= watermark) {
      output.collect(DEAD_LETTERS, new StreamRecord<>(
          DeadLetters.forOutcome(outcome, DeadLetterReason.LATE, lateMessage(ts)), element.getTimestamp()));
      return;
    }
    WindowState w = current();
    w.add(outcome);
    wakeUpBy(w, ts);
  }

  /** The current key's item, new when not held; marked changed. */
  private WindowState current() {
    String key = (String) getCurrentKey();
    WindowState w = items.get(key);
    if (w == null) {
      w = new WindowState();
      w.key = key;
      items.put(key, w);
    }
    changed(w);
    return w;
  }

  private void changed(WindowState w) {
    if (!w.dirty && !rewriteAll) {
      w.dirty = true;
      dirty.add(w.key);
      if (dirty.size() > 2 * items.size() + 4096) {
        rewriteAll = true;
        dirty.clear();
      }
    }
  }

  /** Makes the item due no later than ts. */
  private void wakeUpBy(WindowState w, long ts) {
    if (w.timer == NONE || ts < w.timer) {
      queue(w, ts);
    }
  }

  /** Queues the item at time (NONE: not at all); an earlier queue element becomes stale. */
  private void queue(WindowState w, long time) {
    w.timer = time;
    if (time != NONE) {
      due.add(time, w);
    }
  }

  private String lateMessage(long ts) {
    return "event time " + ts + " is behind the watermark " + watermark
        + " (beyond the lateness bound)";
  }

  /**
   * Applies every item due up to the watermark, then forwards the watermark (so that what it
   * emitted comes before the watermark, as with timers).
   */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    long wm = mark.getTimestamp();
    if (wm > watermark) {
      watermark = wm;
      while (due.size() > 0 && due.peekTime() <= wm) {
        long time = due.peekTime();
        WindowState w = due.poll();
        if (w.timer == time) { // else stale: the item was queued earlier, or dropped
          fire(w, wm);
        }
      }
    }
    super.processWatermark(mark);
  }

  /** Every time up to the watermark at which something is due for the item, in ascending order. */
  private void fire(WindowState w, long wm) {
    changed(w);
    w.timer = NONE;
    setCurrentKey(w.key); // the key of what it emits (side outputs, metrics)
    // Inputs buffered after the item's state was cleared start a new item, as in the reference.
    long next = nextDue(w);
    while (next != NONE && next <= wm) {
      sink.time = next;
      w.item = assembler.step(w.item, next, w.takeOutcomes(next), w.takeReports(next), sink);
      next = nextDue(w);
    }
    if (w.isEmpty()) {
      items.remove(w.key);
      return;
    }
    queue(w, next);
  }

  /** The earliest time something is due for the item, or NONE. */
  private static long nextDue(WindowState w) {
    long input = w.earliestInput();
    long item = ItemAssembler.nextTimer(w.item);
    if (input == NONE) {
      return item;
    }
    return item == NONE ? input : Math.min(input, item);
  }

  /**
   * Writes the items changed since the last checkpoint into keyed state (copies: the operator goes
   * on changing its own while the snapshot is written), and removes those dropped since.
   */
  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    if (rewriteAll) {
      for (String key : storedKeys()) {
        if (!items.containsKey(key)) {
          setCurrentKey(key);
          state.clear();
        }
      }
      dirty.addAll(items.keySet());
      rewriteAll = false;
    }
    for (String key : dirty) {
      setCurrentKey(key);
      WindowState w = items.get(key);
      if (w == null) {
        state.clear();
      } else {
        w.dirty = false;
        state.update(w.copy());
      }
    }
    dirty.clear();
  }

  /** The keys of this subtask's items in keyed state, sorted. */
  private List<String> storedKeys() throws Exception {
    List<String> keys;
    try (Stream<String> stored =
        this.<String>getKeyedStateBackend().getKeys(STATE.getName(), VoidNamespace.INSTANCE)) {
      keys = stored.collect(Collectors.toList());
    }
    keys.sort(null);
    return keys;
  }

  /** Where the assembler's decisions go, stamped with the event time being applied. */
  private final class Sink implements ItemOutput {
    long time;
    private final StreamRecord<ItemEvent> reuse = new StreamRecord<>(null);

    @Override
    public void emit(ItemEvent event) {
      output.collect(reuse.replace(event, time));
    }

    @Override
    public void rejectReport(ReportEvent report, DeadLetterReason reason, String message) {
      output.collect(DEAD_LETTERS, new StreamRecord<>(DeadLetters.forReport(report, reason, message), time));
    }

    @Override
    public void rejectOutcome(OutcomeEvent outcome, DeadLetterReason reason, String message) {
      output.collect(DEAD_LETTERS, new StreamRecord<>(DeadLetters.forOutcome(outcome, reason, message), time));
    }
  }
}
