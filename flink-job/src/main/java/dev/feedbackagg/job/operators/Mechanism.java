package dev.feedbackagg.job.operators;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.CohortMechanism;
import dev.feedbackagg.core.CohortStore;
import dev.feedbackagg.core.CohortSummary;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.MechanismOutput;
import dev.feedbackagg.core.PendingItem;
import dev.feedbackagg.io.DeadLetters;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The mechanism of one cohort (key: cohort). ARCHITECTURE.md, Mechanism. All arithmetic is
 * {@link CohortMechanism}'s; this operator keeps its state in Flink keyed state and calls it in
 * event-time order: item events wait in state until the watermark passes their time; timers then
 * apply them, take metrics snapshots at boundaries and expire pending items.
 *
 * <p>Labeler weights never expire (no TTL: they are what the cohort has learned). Pending items
 * are removed when their outcome comes or when the outcome timeout passes.
 */
public final class Mechanism extends KeyedProcessFunction<String, ItemEvent, AggregatedPreference> {
  private static final long serialVersionUID = 1L;

  public static final OutputTag<RegretMetrics> REGRET =
      new OutputTag<>("regret", TypeInformation.of(RegretMetrics.class));
  public static final OutputTag<LabelerWeight> WEIGHTS =
      new OutputTag<>("labeler-weights", TypeInformation.of(LabelerWeight.class));
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("mechanism-dead-letters", TypeInformation.of(DeadLetter.class));

  static final MapStateDescriptor<String, LabelerState> LABELERS =
      new MapStateDescriptor<>("labelers", Types.STRING, TypeInformation.of(LabelerState.class));
  static final MapStateDescriptor<String, PendingItem> PENDING =
      new MapStateDescriptor<>("pending-items", Types.STRING, TypeInformation.of(PendingItem.class));
  static final MapStateDescriptor<Long, String[]> EXPIRIES =
      new MapStateDescriptor<>("pending-expiries", Types.LONG, BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO);
  static final ListStateDescriptor<String> CHANGED =
      new ListStateDescriptor<>("labelers-changed-since-snapshot", Types.STRING);
  static final ValueStateDescriptor<CohortSummary> SUMMARY =
      new ValueStateDescriptor<>("summary", TypeInformation.of(CohortSummary.class));
  static final MapStateDescriptor<Long, ItemEvent[]> BUFFER =
      new MapStateDescriptor<>(
          "buffered-item-events",
          Types.LONG,
          ObjectArrayTypeInfo.getInfoFor(ItemEvent[].class, TypeInformation.of(ItemEvent.class)));

  private static final long END_OF_INPUT = Long.MAX_VALUE;

  private final MechanismConfig config;
  private transient CohortMechanism mechanism;
  private transient StateStore store;
  private transient MapState<Long, ItemEvent[]> buffer;
  private transient Counter behindWatermark;

  public Mechanism(MechanismConfig config) {
    this.config = config;
  }

  @Override
  public void open(OpenContext openContext) {
    mechanism = new CohortMechanism(config);
    store =
        new StateStore(
            getRuntimeContext().getMapState(LABELERS),
            getRuntimeContext().getMapState(PENDING),
            getRuntimeContext().getMapState(EXPIRIES),
            getRuntimeContext().getState(SUMMARY),
            getRuntimeContext().getListState(CHANGED));
    buffer = getRuntimeContext().getMapState(BUFFER);
    store.buffer = buffer;
    behindWatermark = getRuntimeContext().getMetricGroup().counter("itemEventsBehindWatermark");
  }

  @Override
  public void processElement(ItemEvent e, Context ctx, Collector<AggregatedPreference> out)
      throws Exception {
    if (e.time <= ctx.timerService().currentWatermark()) {
      // ItemWindow emits at timer time, before it forwards the watermark: this cannot happen
      // unless the topology changes. Still apply it (at the next watermark), never drop it.
      behindWatermark.inc();
    }
    ItemEvent[] at = buffer.get(e.time);
    if (at == null) {
      at = new ItemEvent[] {e};
    } else {
      at = Arrays.copyOf(at, at.length + 1);
      at[at.length - 1] = e;
    }
    buffer.put(e.time, at);
    ctx.timerService().registerEventTimeTimer(e.time);
    // The end-of-input snapshot: fires only when the final watermark comes (bounded input, or
    // stop with drain).
    ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
  }

  @Override
  public void onTimer(long ts, OnTimerContext ctx, Collector<AggregatedPreference> out)
      throws Exception {
    String cohort = ctx.getCurrentKey();
    ItemEvent[] at = buffer.get(ts);
    if (at != null) {
      buffer.remove(ts);
    }
    MechanismOutput sink =
        new MechanismOutput() {
          @Override
          public void aggregated(AggregatedPreference record) {
            out.collect(record);
          }

          @Override
          public void regret(RegretMetrics record) {
            ctx.output(REGRET, record);
          }

          @Override
          public void weight(LabelerWeight record) {
            ctx.output(WEIGHTS, record);
          }

          @Override
          public void unmatchedOutcome(ItemEvent outcome) {
            ctx.output(DEAD_LETTERS, DeadLetters.forUnmatchedOutcome(outcome,
                "no pending item: it expired after the outcome timeout, or never closed"));
          }
        };
    store.timers = ctx.timerService();
    long boundary = mechanism.step(store, cohort, ts, at == null ? List.of() : Arrays.asList(at), sink);
    if (boundary != CohortSummary.NO_BOUNDARY && boundary > ts) {
      ctx.timerService().registerEventTimeTimer(boundary);
    }
    if (ts == END_OF_INPUT) {
      mechanism.endOfInput(store, cohort, sink);
    }
  }

  /** The cohort's state in Flink keyed state (scoped to the current key by Flink). */
  static final class StateStore implements CohortStore {
    private static final String[] NONE = new String[0];

    private final MapState<String, LabelerState> labelers;
    private final MapState<String, PendingItem> pending;
    private final MapState<Long, String[]> expiries;
    private final ValueState<CohortSummary> summary;
    private final ListState<String> changed;
    TimerService timers;
    MapState<Long, ItemEvent[]> buffer;

    StateStore(
        MapState<String, LabelerState> labelers,
        MapState<String, PendingItem> pending,
        MapState<Long, String[]> expiries,
        ValueState<CohortSummary> summary,
        ListState<String> changed) {
      this.changed = changed;
      this.labelers = labelers;
      this.pending = pending;
      this.expiries = expiries;
      this.summary = summary;
    }

    @Override
    public LabelerState labeler(String labelerId) throws Exception {
      return labelers.get(labelerId);
    }

    @Override
    public void putLabeler(String labelerId, LabelerState state) throws Exception {
      labelers.put(labelerId, state);
    }

    @Override
    public void markChanged(String labelerId) throws Exception {
      changed.add(labelerId);
    }

    @Override
    public String[] takeChanged() throws Exception {
      List<String> ids = new java.util.ArrayList<>();
      for (String id : changed.get()) {
        ids.add(id);
      }
      changed.clear();
      return ids.toArray(NONE);
    }

    @Override
    public void forEachLabeler(LabelerVisitor visitor) throws Exception {
      for (Map.Entry<String, LabelerState> e : labelers.entries()) {
        visitor.visit(e.getKey(), e.getValue());
      }
    }

    @Override
    public PendingItem pending(String promptId) throws Exception {
      return pending.get(promptId);
    }

    @Override
    public void putPending(PendingItem item) throws Exception {
      pending.put(item.promptId, item);
    }

    @Override
    public void removePending(String promptId) throws Exception {
      pending.remove(promptId);
    }

    @Override
    public void addExpiry(long time, String promptId) throws Exception {
      String[] ids = expiries.get(time);
      if (ids == null) {
        ids = new String[] {promptId};
      } else {
        ids = Arrays.copyOf(ids, ids.length + 1);
        ids[ids.length - 1] = promptId;
      }
      expiries.put(time, ids);
      timers.registerEventTimeTimer(time);
    }

    @Override
    public void removeExpiry(long time, String promptId) throws Exception {
      String[] ids = expiries.get(time);
      if (ids == null) {
        return;
      }
      int at = Arrays.asList(ids).indexOf(promptId);
      if (at < 0) {
        return;
      }
      if (ids.length > 1) {
        String[] rest = new String[ids.length - 1];
        System.arraycopy(ids, 0, rest, 0, at);
        System.arraycopy(ids, at + 1, rest, at, ids.length - at - 1);
        expiries.put(time, rest);
        return;
      }
      expiries.remove(time);
      // The timer may serve events buffered for that time, or the end of input; a metrics
      // boundary timer at that time is registered again by the step that called this.
      if (time != END_OF_INPUT && !buffer.contains(time)) {
        timers.deleteEventTimeTimer(time);
      }
    }

    @Override
    public String[] takeExpiries(long time) throws Exception {
      String[] ids = expiries.get(time);
      if (ids == null) {
        return NONE;
      }
      expiries.remove(time);
      return ids;
    }

    @Override
    public CohortSummary summary() throws Exception {
      CohortSummary s = summary.value();
      return s == null ? new CohortSummary() : s;
    }

    @Override
    public void putSummary(CohortSummary s) throws Exception {
      summary.update(s);
    }
  }
}
