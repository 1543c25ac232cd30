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
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Collects the reports of one item (key: cohort and prompt id) and closes it; forwards its outcome.
 * ARCHITECTURE.md, ItemWindow. The decisions are {@link ItemAssembler}'s; this operator only makes
 * sure it sees each item's inputs in event-time order: inputs wait in state until the watermark
 * passes their time, and an event-time timer then hands them over. The item's state and its closed
 * marker are cleared by a timer when the grace period after the close has passed (timers, not TTL,
 * so that clean-up happens at the same event time in every run).
 */
public final class ItemWindow extends KeyedCoProcessFunction<String, ReportEvent, OutcomeEvent, ItemEvent> {
  private static final long serialVersionUID = 1L;

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("item-window-dead-letters", TypeInformation.of(DeadLetter.class));

  static final ValueStateDescriptor<ItemState> ITEM =
      new ValueStateDescriptor<>("item", TypeInformation.of(ItemState.class));
  static final MapStateDescriptor<Long, BufferedInputs> BUFFER =
      new MapStateDescriptor<>("buffered-inputs", Types.LONG, TypeInformation.of(BufferedInputs.class));

  private final ItemPolicy policy;
  private transient ItemAssembler assembler;
  private transient ValueState<ItemState> item;
  private transient MapState<Long, BufferedInputs> buffer;

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
    item = getRuntimeContext().getState(ITEM);
    buffer = getRuntimeContext().getMapState(BUFFER);
  }

  @Override
  public void processElement1(ReportEvent report, Context ctx, Collector<ItemEvent> out)
      throws Exception {
    long ts = report.time();
    if (behindWatermark(ts, ctx)) {
      ctx.output(DEAD_LETTERS, DeadLetters.forReport(report, DeadLetterReason.LATE, lateMessage(ts, ctx)));
      return;
    }
    BufferedInputs b = buffer.get(ts);
    buffer.put(ts, (b == null ? new BufferedInputs() : b).add(report));
    ctx.timerService().registerEventTimeTimer(ts);
  }

  @Override
  public void processElement2(OutcomeEvent outcome, Context ctx, Collector<ItemEvent> out)
      throws Exception {
    long ts = outcome.time();
    if (behindWatermark(ts, ctx)) {
      ctx.output(DEAD_LETTERS, DeadLetters.forOutcome(outcome, DeadLetterReason.LATE, lateMessage(ts, ctx)));
      return;
    }
    BufferedInputs b = buffer.get(ts);
    buffer.put(ts, (b == null ? new BufferedInputs() : b).add(outcome));
    ctx.timerService().registerEventTimeTimer(ts);
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
    BufferedInputs inputs = buffer.get(ts);
    if (inputs != null) {
      buffer.remove(ts);
    }
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
    ItemState before = item.value();
    ItemState after =
        assembler.step(
            before,
            ts,
            inputs == null ? List.of() : inputs.outcomeList(),
            inputs == null ? List.of() : inputs.reportList(),
            sink);
    if (after == null) {
      // Grace period over: nothing of the item is kept. Inputs buffered for later times (none
      // in a well-behaved stream) start a new item, as in the reference.
      item.clear();
      return;
    }
    item.update(after);
    long next = ItemAssembler.nextTimer(after);
    if (next != ItemState.NONE && next > ts) {
      ctx.timerService().registerEventTimeTimer(next);
    }
  }
}
