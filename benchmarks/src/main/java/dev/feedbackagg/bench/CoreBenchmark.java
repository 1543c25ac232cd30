package dev.feedbackagg.bench;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.CohortMechanism;
import dev.feedbackagg.core.EventBuffer;
import dev.feedbackagg.core.InMemoryCohortStore;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.MechanismOutput;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The mechanism's hot path on one core: items of k labels drawn from L labelers close and get
 * their outcome (aggregation plus specialists update), through the same {@link CohortMechanism}
 * the Flink operator calls. Scores are label updates per second (one item = k label updates).
 * Baseline: a plain Java loop over a hash map doing the minimum per label (read a weight, add
 * to two sums, write it back), on the same items.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+UseParallelGC"})
public class CoreBenchmark {
  static final int ITEMS = 1 << 16; // items per pass; one invocation applies BATCH of them
  static final int BATCH = 1024;

  @Param({"1000", "100000", "1000000"})
  int labelers;

  @Param({"3", "5", "10"})
  int labelsPerItem;

  private String[][] ids;
  private double[][] reports;
  private double[] outcomes;
  private InMemoryCohortStore store;
  private CohortMechanism mechanism;
  private Map<String, double[]> plain;
  private int next;
  private long time;
  private Sink sink;
  private ItemEvent event;
  private List<ItemEvent> events;
  private List<ItemEvent>[] itemEvents;
  private final Pass pass = new Pass();

  /** Consumes outputs so that the JIT cannot drop them. */
  static final class Sink implements MechanismOutput {
    Blackhole bh;

    @Override
    public void aggregated(AggregatedPreference record) {
      if (bh != null) {
        bh.consume(record);
      }
    }

    @Override
    public void regret(RegretMetrics record) {
      if (bh != null) {
        bh.consume(record);
      }
    }

    @Override
    public void weight(LabelerWeight record) {
      if (bh != null) {
        bh.consume(record);
      }
    }

    @Override
    public void unmatchedOutcome(ItemEvent outcome) {
      if (bh != null) {
        bh.consume(outcome);
      }
    }
  }

  /**
   * BATCH items from item from on, one event time each: a close with its outcome held, one
   * event object per item made at set-up (times are stamped as they are taken).
   */
  final class Pass implements EventBuffer {
    int from;
    int taken;

    @Override
    public boolean isEmpty() {
      return taken == BATCH;
    }

    @Override
    public long firstTime() {
      return time + 1;
    }

    @Override
    public List<ItemEvent> takeFirst() {
      List<ItemEvent> e = itemEvents[(from + taken++) & (ITEMS - 1)];
      e.get(0).time = ++time;
      return e;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    SplittableRandom rnd = new SplittableRandom(42);
    String[] all = new String[labelers];
    for (int i = 0; i < labelers; i++) {
      all[i] = "labeler-" + i;
    }
    ids = new String[ITEMS][];
    reports = new double[ITEMS][];
    outcomes = new double[ITEMS];
    for (int k = 0; k < ITEMS; k++) {
      java.util.TreeSet<String> distinct = new java.util.TreeSet<>();
      while (distinct.size() < labelsPerItem) {
        distinct.add(all[rnd.nextInt(labelers)]);
      }
      String[] chosen = distinct.toArray(new String[0]);
      ids[k] = chosen;
      reports[k] = new double[chosen.length];
      for (int j = 0; j < chosen.length; j++) {
        reports[k][j] = rnd.nextInt(5) / 4.0;
      }
      outcomes[k] = rnd.nextBoolean() ? 1.0 : 0.0;
      // Checked once like any close (ids and reports aligned, reports in [0,1]).
      ItemEvent.close("c", "p", "a", "b", 0, CloseReason.COMPLETE, ids[k], reports[k])
          .withHeldOutcome(outcomes[k]);
    }
    mechanism =
        new CohortMechanism(MechanismConfig.defaults().withMetricsIntervalMs(Long.MAX_VALUE / 4));
    store = new InMemoryCohortStore();
    plain = new HashMap<>();
    sink = new Sink();
    event =
        ItemEvent.close("c", "p", "a", "b", 0, CloseReason.COMPLETE, ids[0], reports[0])
            .withHeldOutcome(outcomes[0]);
    events = List.of(event);
    @SuppressWarnings("unchecked")
    List<ItemEvent>[] each = new List[ITEMS];
    for (int k = 0; k < ITEMS; k++) {
      each[k] =
          List.of(
              ItemEvent.close("c", "p", "a", "b", 0, CloseReason.COMPLETE, ids[k], reports[k])
                  .withHeldOutcome(outcomes[k]));
    }
    itemEvents = each;
    // Every labeler known, as in a long-running cohort.
    for (int k = 0; k < ITEMS; k++) {
      apply(k);
    }
    for (String id : all) {
      plain.put(id, new double[1]);
    }
  }

  /**
   * Closes item k with its outcome held. One event object is refilled for every item, so the
   * harness itself allocates nothing per item (the mechanism keeps no reference to the event).
   */
  private void apply(int k) throws Exception {
    ItemEvent e = event;
    e.time = ++time;
    e.labelerIds = ids[k];
    e.reports = reports[k];
    e.outcome = outcomes[k];
    mechanism.step(store, "c", time, events, sink);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void mechanismItem(Blackhole bh) throws Exception {
    sink.bh = bh;
    for (int b = 0; b < BATCH; b++) {
      apply(next);
      next = (next + 1) & (ITEMS - 1);
    }
  }

  /**
   * The same items through {@link CohortMechanism#advance}, the call of the Flink operator: the
   * invocation's items wait in a buffer, one event time each, and are applied in one call (which
   * looks ahead at the next items' labelers).
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void mechanismAdvance(Blackhole bh) throws Exception {
    sink.bh = bh;
    pass.from = next;
    pass.taken = 0;
    // Up to the pass's last time, as the operator up to the watermark (the metrics boundary, far
    // ahead, is not due).
    mechanism.advance(store, "c", pass, time + BATCH, sink);
    next = (next + BATCH) & (ITEMS - 1);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void plainHashMapLoop(Blackhole bh) {
    for (int b = 0; b < BATCH; b++) {
      String[] item = ids[next];
      double[] r = reports[next];
      double sum = 0;
      double weighted = 0;
      for (int j = 0; j < item.length; j++) {
        double[] w = plain.get(item[j]);
        if (w == null) {
          w = new double[1];
          plain.put(item[j], w);
        }
        sum += w[0];
        weighted += w[0] * r[j];
        w[0] += r[j];
      }
      bh.consume(weighted / (sum + 1));
      next = (next + 1) & (ITEMS - 1);
    }
  }
}
