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
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Collects the reports of one item (key: cohort and prompt id) and closes it; forwards its outcome.
 * ARCHITECTURE.md, ItemWindow. The decisions are {@link ItemAssembler}'s; this operator only makes
 * sure it sees each item's inputs in event-time order: inputs wait in state until the watermark
 * passes their time. The item has at most one event-time timer, at the earliest time something is
 * due (a buffered input, its timeout, the end of its grace period); when it fires, every due time up
 * to the watermark is applied in ascending order, exactly as one timer per time would, and the timer
 * moves to the next due time. The item's state and closed marker are cleared when the grace period
 * after the close has passed (timers, not TTL, so that clean-up happens at the same event time in
 * every run).
 */
public final class ItemWindow extends KeyedCoProcessFunction<String, ReportEvent, OutcomeEvent, ItemEvent> {
  private static final long serialVersionUID = 1L;

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("item-window-dead-letters", TypeInformation.of(DeadLetter.class));

  static final ValueStateDescriptor<WindowState> STATE =
      new ValueStateDescriptor<>("item-window", TypeInformation.of(WindowState.class));

  private final ItemPolicy policy;
  private transient ItemAssembler assembler;
  private transient ValueState<WindowState> state;

  public ItemWindow(ItemPolicy policy) {
    this.policy = policy;
  }

  /** The key of an item: cohort and prompt id, joined by a NUL that no id contains. */
  public static String key(String cohort, String promptId) {
    return cohort + '\u0000' + promptId;
  }

  @Override
  public void open(OpenContext openContext) {
    assembler = new ItemAssembler(policy);
    state = getRuntimeContext().getState(STATE);
  }

  @Override
  public void processElement1(ReportEvent report, Context ctx, Collector<ItemEvent> out)
      throws Exception {
    long ts = report.time();
    if (behindWatermark(ts, ctx)) {
      ctx.output(DEAD_LETTERS, DeadLetters.forReport(report, DeadLetterReason.LATE, lateMessage(ts, ctx)));
      return;
    }
    WindowState w = current();
    w.add(report);
    wakeUpBy(w, ts, ctx.timerService());
    state.update(w);
  }

  @Override
  public void processElement2(OutcomeEvent outcome, Context ctx, Collector<ItemEvent> out)
      throws Exception {
    long ts = outcome.time();
    if (behindWatermark(ts, ctx)) {
      ctx.output(DEAD_LETTERS, DeadLetters.forOutcome(outcome, DeadLetterReason.LATE, lateMessage(ts, ctx)));
      return;
    }
    WindowState w = current();
    w.add(outcome);
    wakeUpBy(w, ts, ctx.timerService());
    state.update(w);
  }

  private WindowState current() throws Exception {
    WindowState w = state.value();
    return w == null ? new WindowState() : w;
  }

  /** Makes the item's one timer fire no later than ts. */
  private static void wakeUpBy(WindowState w, long ts, TimerService timers) {
    if (w.timer != ItemState.NONE && w.timer <= ts) {
      return;
    }
    if (w.timer != ItemState.NONE) {
      timers.deleteEventTimeTimer(w.timer);
    }
    timers.registerEventTimeTimer(ts);
    w.timer = ts;
  }

  /** An input at or behind the watermark cannot be put in order any more: it is LATE. */
  private static boolean behindWatermark(long ts, Context ctx) {
    return ts <= ctx.timerService().currentWatermark();
  }

  private static String lateMessage(long ts, Context ctx) {
    return "event time " + ts + " is behind the watermark " + ctx.timerService().currentWatermark()
        + " (beyond the lateness bound)";
  }

  @Override
  public void onTimer(long ts, OnTimerContext ctx, Collector<ItemEvent> out) throws Exception {
    WindowState w = state.value();
    if (w == null) {
      return;
    }
    w.timer = ItemState.NONE;
    ItemOutput sink =
        new ItemOutput() {
          @Override
          public void emit(ItemEvent event) {
            out.collect(event);
          }

          @Override
          public void rejectReport(ReportEvent report, DeadLetterReason reason, String message) {
            ctx.output(DEAD_LETTERS, DeadLetters.forReport(report, reason, message));
          }

          @Override
          public void rejectOutcome(OutcomeEvent outcome, DeadLetterReason reason, String message) {
            ctx.output(DEAD_LETTERS, DeadLetters.forOutcome(outcome, reason, message));
          }
        };
    // Every time up to the watermark at which something is due, in ascending order. Inputs
    // buffered after the item's state was cleared start a new item, as in the reference.
    long watermark = ctx.timerService().currentWatermark();
    long due = nextDue(w);
    while (due != ItemState.NONE && due <= watermark) {
      if (out instanceof TimestampedCollector<ItemEvent> timestamped) {
        timestamped.setAbsoluteTimestamp(due); // records carry their own time, not the timer's
      }
      w.item = assembler.step(w.item, due, w.takeOutcomes(due), w.takeReports(due), sink);
      due = nextDue(w);
    }
    if (w.isEmpty()) {
      state.clear();
      return;
    }
    if (due != ItemState.NONE) {
      ctx.timerService().registerEventTimeTimer(due);
      w.timer = due;
    }
    state.update(w);
  }

  /** The earliest time something is due for the item, or ItemState.NONE. */
  private static long nextDue(WindowState w) {
    long input = w.earliestInput();
    long item = ItemAssembler.nextTimer(w.item);
    if (input == ItemState.NONE) {
      return item;
    }
    return item == ItemState.NONE ? input : Math.min(input, item);
  }
}
