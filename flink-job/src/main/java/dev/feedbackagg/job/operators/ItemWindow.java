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
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Collects the reports of one item (key: cohort and prompt id) and closes it; forwards its outcome.
 * ARCHITECTURE.md, ItemWindow. The decisions are {@link ItemAssembler}'s; this operator only makes
 * sure it sees each item's inputs in event-time order: inputs wait until the watermark passes their
 * time. Each open item is queued at the earliest time something is due for it (a buffered input, its
 * timeout); when the watermark passes that time, every due time of the item up to the watermark is
 * applied in ascending order, and the item is queued at its next due time. An item's state and
 * closed marker are dropped when the grace period after the close has passed (event time, not TTL,
 * so that clean-up happens at the same event time in every run).
 *
 * <p>State. Open items (and items with inputs waiting for the watermark) live in a heap map and a
 * heap queue of due times, not in the state backend and its timer service: per input, a hash-map
 * lookup instead of a state access and a timer registration. At every checkpoint and savepoint the
 * open items changed since the previous one are written into keyed state (one entry per item,
 * under its key, so that the state is redistributed by key group on rescaling), before the backend
 * takes its snapshot; on restore they are read back and queued. An item that is only a marker
 * (closed, or an outcome without reports, waiting for the end of its grace period) leaves the heap:
 * it is written to keyed state at once (a state of its own, so that a restore reads back only the
 * open items), with one event-time timer of the state backend at its clean-up time, so that
 * markers, whose grace period is the outcome timeout (7 days by default), are held where the state
 * backend holds state (on disk with RocksDB), not on the heap. An input for a marker's item brings
 * it back to the heap.
 */
public final class ItemWindow extends AbstractStreamOperator<ItemEvent>
    implements TwoInputStreamOperator<ReportEvent, OutcomeEvent, ItemEvent>,
        Triggerable<String, VoidNamespace> {
  private static final long serialVersionUID = 2L;

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("item-window-dead-letters", TypeInformation.of(DeadLetter.class));

  /** Open items, as the last checkpoint wrote them. */
  static final ValueStateDescriptor<WindowState> OPEN =
      new ValueStateDescriptor<>("item-window-open", TypeInformation.of(WindowState.class));

  /** Markers, written when they leave the heap; apart, so that a restore reads open items only. */
  static final ValueStateDescriptor<WindowState> MARKERS =
      new ValueStateDescriptor<>("item-window-markers", TypeInformation.of(WindowState.class));

  private static final long NONE = ItemState.NONE;

  private final ItemPolicy policy;
  private transient ItemAssembler assembler;
  private transient ValueState<WindowState> open;
  private transient ValueState<WindowState> markers;
  private transient InternalTimerService<VoidNamespace> cleanups;
  private transient Map<String, WindowState> items;
  private transient DueQueue<WindowState> due;
  private transient List<String> dirty;

  /**
   * Set when the list of changed items outgrew the items held (no checkpoint for a long time, or
   * none configured): the next checkpoint or savepoint then writes every held item instead.
   */
  private transient boolean rewriteAll;
  private transient long watermark;
  private transient Sink sink;

  public ItemWindow(ItemPolicy policy) {
    this.policy = policy;
  }

  /** The key of an item: cohort and prompt id, joined by a NUL that no id contains. */
  public static String key(String cohort, String promptId) {
    // A StringBuilder chain, not javac's invokedynamic concatenation: the key selectors run once
    // per report on both sides of the shuffle, and the method handles of the invokedynamic form
    // showed up in the profiles of the first seconds of every job on a session cluster.
    return new StringBuilder(cohort.length() + 1 + promptId.length())
        .append(cohort)
        .append('\u0000')
        .append(promptId)
        .toString();
  }

  @Override
  public void open() throws Exception {
    super.open();
    assembler = new ItemAssembler(policy);
    open = getPartitionedState(OPEN);
    markers = getPartitionedState(MARKERS);
    cleanups = getInternalTimerService("item-window-clean-up", VoidNamespaceSerializer.INSTANCE, this);
    items = new HashMap<>();
    due = new DueQueue<>();
    dirty = new ArrayList<>();
    watermark = Long.MIN_VALUE;
    sink = new Sink();
    getMetricGroup().gauge("openItemsHeld", () -> items.size());
    restore();
  }

  /**
   * Reads back the open items of this subtask's key groups (none on a fresh start); markers stay
   * in keyed state, and their clean-up timers came back with the checkpoint.
   */
  private void restore() throws Exception {
    for (String key : openKeys()) { // sorted: one queue order in every run
      setCurrentKey(key);
      WindowState stored = open.value();
      if (stored == null) {
        continue;
      }
      WindowState w = stored.copy(); // the backend's object stays as the checkpoint wrote it
      w.key = key;
      w.timer = NONE;
      w.stored = true;
      items.put(key, w);
      queue(w, nextDue(w));
    }
  }

  /** Items held on the heap: open, or with inputs waiting for the watermark. For tests. */
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

  /**
   * The current key's item, marked changed: the one held, else its marker brought back from
   * keyed state, else a new one.
   */
  private WindowState current() throws Exception {
    String key = (String) getCurrentKey();
    WindowState w = items.get(key);
    if (w == null) {
      WindowState marker = markers.value();
      w = marker == null ? new WindowState() : marker.copy();
      w.key = key;
      w.timer = NONE;
      w.marked = marker != null;
      items.put(key, w);
      queue(w, nextDue(w)); // the marker's clean-up, if any
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
   * Applies every held item due up to the watermark, then lets the state backend's timers clean up
   * the markers due, and forwards the watermark (so that what was emitted comes before it, as
   * with timers).
   */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    long wm = mark.getTimestamp();
    if (wm > watermark) {
      watermark = wm;
      while (due.size() > 0 && due.peekTime() <= wm) {
        long time = due.peekTime();
        WindowState w = due.poll();
        if (w.timer == time) { // else stale: the item was queued earlier, or left the heap
          changed(w);
          fire(w, wm);
        }
      }
    }
    super.processWatermark(mark);
  }

  /**
   * A marker's clean-up time came: it is cleared, unless its item came back to the heap (then it is
   * due there) or a later marker of the key took its place (that one has a timer of its own). A
   * marker holds no inputs and nothing is due for it but its clean-up, at which the assembler emits
   * nothing and drops the item: so clearing it is all there is to do.
   */
  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    if (items.containsKey(timer.getKey())) {
      return;
    }
    WindowState stored = markers.value();
    if (stored != null && stored.item.cleanupTime <= timer.getTimestamp()) {
      markers.clear();
    }
  }

  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

  /**
   * Every time up to the watermark at which something is due for the item, in ascending order;
   * then the item is queued at its next due time, or leaves the heap as a marker, or is gone.
   */
  private void fire(WindowState w, long wm) throws Exception {
    w.timer = NONE;
    setCurrentKey(w.key); // the key of its state, and of what it emits
    // Inputs buffered after the item's state was cleared start a new item, as in the reference.
    long next = nextDue(w);
    while (next != NONE && next <= wm) {
      sink.time = next;
      w.item = assembler.step(w.item, next, w.takeOutcomes(next), w.takeReports(next), sink);
      next = nextDue(w);
    }
    if (w.isEmpty()) {
      items.remove(w.key);
      forgetOpen(w);
      if (w.marked) {
        markers.clear(); // the marker it came back from
      }
    } else if (isMarker(w)) {
      items.remove(w.key);
      forgetOpen(w);
      markers.update(w); // no longer changed by this operator: no copy needed
      cleanups.registerEventTimeTimer(VoidNamespace.INSTANCE, w.item.cleanupTime);
    } else {
      if (items.get(w.key) != w) { // not from a marker's timer: a marker has nothing else due
        items.put(w.key, w);
        changed(w);
      }
      queue(w, next);
    }
  }

  /** Removes what a checkpoint wrote of an item that leaves the heap. */
  private void forgetOpen(WindowState w) throws Exception {
    if (w.stored) {
      open.clear();
      w.stored = false;
    }
  }

  /** Only a marker: no inputs waiting, and nothing due for the item but its clean-up. */
  private static boolean isMarker(WindowState w) {
    return w.reports.length == 0 && w.outcomes.length == 0 && w.item != null
        && w.item.cleanupTime != NONE && ItemAssembler.nextTimer(w.item) == w.item.cleanupTime;
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
   * Writes the held items changed since the last checkpoint into keyed state (copies: the
   * operator goes on changing its own while the snapshot is written). Items that left the heap
   * since have written (a marker) or cleared their state already.
   */
  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    if (rewriteAll) {
      for (WindowState w : items.values()) {
        write(w);
      }
      rewriteAll = false;
    } else {
      for (String key : dirty) {
        WindowState w = items.get(key);
        if (w != null && w.dirty) {
          write(w);
        }
      }
    }
    dirty.clear();
  }

  private void write(WindowState w) throws Exception {
    setCurrentKey(w.key);
    w.dirty = false;
    w.stored = true;
    open.update(w.copy());
  }

  /** The keys of this subtask's open items in keyed state, sorted. */
  private List<String> openKeys() throws Exception {
    List<String> keys;
    try (Stream<String> stored =
        this.<String>getKeyedStateBackend().getKeys(OPEN.getName(), VoidNamespace.INSTANCE)) {
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
