package dev.feedbackagg.bench.operator;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.core.CohortMechanism;
import dev.feedbackagg.core.InMemoryCohortStore;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.MechanismOutput;
import dev.feedbackagg.job.operators.EventKey;
import dev.feedbackagg.job.operators.Mechanism;
import dev.feedbackagg.job.types.EventTypes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FileUtils;

/**
 * The Mechanism operator alone in a real Flink runtime (issue 6, item 2): a local MiniCluster with
 * one slot runs a generating source, the Mechanism (keyed by cohort, chained to the source, so no
 * shuffle) and discarding sinks for its four outputs, with checkpoints every 5 s to files, object
 * reuse as in the job, heap or RocksDB state. Each item closes with its outcome held (one
 * aggregation and one specialists update of k labels). The same pipeline with an operator that
 * does nothing runs in the same round: its time is the source's and Flink's, and is subtracted to
 * give the Mechanism's own rate. The core on plain maps on the same items is the third figure.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.feedbackagg.bench.operator.MechanismJobBench
 * [labelers] [labelsPerItem] [items] [rounds] [hashmap|rocksdb|both] [metricsIntervalMs]}.
 * Items are 1 ms of event time apart: the job's default interval (1 minute) is one metrics
 * snapshot per 60,000 items.
 */
public final class MechanismJobBench {
  private MechanismJobBench() {}

  record Items(String[][] ids, double[][] reports, double[] outcomes) {}

  /** A sink that drops everything (the outputs are built, as in the job, then discarded). */
  static final MechanismOutput DISCARD =
      new MechanismOutput() {
        @Override
        public void aggregated(AggregatedPreference r) {}

        @Override
        public void regret(dev.feedbackagg.avro.RegretMetrics r) {}

        @Override
        public void weight(LabelerWeight r) {}

        @Override
        public void unmatchedOutcome(ItemEvent e) {}
      };

  static Items items(int labelers, int k, int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    String[] all = new String[labelers];
    for (int i = 0; i < labelers; i++) {
      all[i] = "labeler-" + i;
    }
    String[][] ids = new String[n][];
    double[][] reports = new double[n][];
    double[] outcomes = new double[n];
    for (int j = 0; j < n; j++) {
      TreeSet<String> chosen = new TreeSet<>();
      while (chosen.size() < k) {
        chosen.add(all[rnd.nextInt(labelers)]);
      }
      ids[j] = chosen.toArray(new String[0]);
      reports[j] = new double[k];
      for (int i = 0; i < k; i++) {
        reports[j][i] = rnd.nextInt(5) / 4.0;
      }
      outcomes[j] = rnd.nextBoolean() ? 1.0 : 0.0;
    }
    return new Items(ids, reports, outcomes);
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Distinct items generated; item j of a run is item j mod POOL of the pool, at time j + 1. */
  static final int POOL = 1 << 16;

  /** Builds item j from the pool (in the source's thread, as a decoder would). */
  static final class Generate implements MapFunction<Long, ItemEvent> {
    private static final long serialVersionUID = 1L;
    private final String[][] ids;
    private final double[][] reports;
    private final double[] outcomes;

    Generate(Items it) {
      this.ids = it.ids();
      this.reports = it.reports();
      this.outcomes = it.outcomes();
    }

    @Override
    public ItemEvent map(Long j) {
      int k = (int) (j & (POOL - 1));
      return ItemEvent.close("c", "p" + j, "a", "b", j + 1, CloseReason.COMPLETE, ids[k], reports[k])
          .withHeldOutcome(outcomes[k]);
    }
  }

  /** The empty operator of the baseline pipeline. */
  static final class Nothing extends KeyedProcessFunction<String, ItemEvent, AggregatedPreference> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(ItemEvent e, Context ctx, Collector<AggregatedPreference> out) {}
  }

  /** Runs one pipeline; returns its net runtime in seconds. */
  static double run(Items it, long items, String backend, boolean mechanism, long interval)
      throws Exception {
    Path dir = Files.createTempDirectory("mechanism-job-bench");
    try {
      Configuration conf = new Configuration();
      conf.set(StateBackendOptions.STATE_BACKEND, backend);
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString());
      conf.set(PipelineOptions.OBJECT_REUSE, true);
      conf.set(PipelineOptions.GENERIC_TYPES, false);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
      env.enableCheckpointing(5_000);
      DataStream<ItemEvent> events =
          env.fromSequence(0, items - 1)
              .map(new Generate(it))
              .returns(EventTypes.ITEM)
              .assignTimestampsAndWatermarks(
                  WatermarkStrategy.<ItemEvent>forMonotonousTimestamps().withTimestampAssigner((e, t) -> e.time));
      KeyedStream<ItemEvent, String> byCohort =
          DataStreamUtils.reinterpretAsKeyedStream(events, EventKey.cohort(), Types.STRING);
      if (mechanism) {
        MechanismConfig config = MechanismConfig.defaults().withMetricsIntervalMs(interval);
        SingleOutputStreamOperator<Either<AggregatedPreference, LabelerWeight>> out =
            byCohort.transform("Mechanism", Mechanism.RESULTS, new Mechanism(config));
        out.getSideOutput(Mechanism.REGRET).sinkTo(new DiscardingSink<>());
        out.getSideOutput(Mechanism.DEAD_LETTERS).sinkTo(new DiscardingSink<>());
        out.sinkTo(new DiscardingSink<>());
      } else {
        byCohort.process(new Nothing()).returns(TypeInformation.of(AggregatedPreference.class))
            .sinkTo(new DiscardingSink<>());
      }
      JobExecutionResult result = env.execute(mechanism ? "mechanism-" + backend : "empty-" + backend);
      return result.getNetRuntime(TimeUnit.MILLISECONDS) / 1000.0;
    } finally {
      FileUtils.deleteDirectory(dir.toFile());
    }
  }

  /** The core on plain maps, the same items in the same order; returns seconds. */
  static double core(Items it, long items, long interval) throws Exception {
    CohortMechanism m = new CohortMechanism(MechanismConfig.defaults().withMetricsIntervalMs(interval));
    InMemoryCohortStore store = new InMemoryCohortStore();
    Generate g = new Generate(it);
    long start = System.nanoTime();
    for (long j = 0; j < items; j++) {
      ItemEvent e = g.map(j);
      m.step(store, "c", e.time, List.of(e), DISCARD);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  public static void main(String[] args) throws Exception {
    int labelers = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int k = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    long items = args.length > 2 ? Long.parseLong(args[2]) : 2_000_000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    String which = args.length > 4 ? args[4] : "both";
    long interval = args.length > 5 ? Long.parseLong(args[5]) : 60_000;
    List<String> backends = which.equals("both") ? List.of("hashmap", "rocksdb") : List.of(which);
    Items it = items(labelers, k, POOL, 42);
    double updates = items * (double) k;
    System.out.printf(Locale.ROOT, "Mechanism operator alone in a MiniCluster (one slot, checkpoints every 5 s): %d labelers,"
        + " %d labels per item, %,d items per run, a metrics snapshot every %,d items, %d rounds after a warm-up%n",
        labelers, k, items, interval, rounds);
    List<Double> coreS = new ArrayList<>();
    List<List<Double>> full = new ArrayList<>();
    List<List<Double>> empty = new ArrayList<>();
    for (int b = 0; b < backends.size(); b++) {
      full.add(new ArrayList<>());
      empty.add(new ArrayList<>());
    }
    for (int r = 0; r <= rounds; r++) {
      double c = core(it, items, interval);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  round %d%s: core %.2f M", r,
          r == 0 ? " (warm-up)" : "", updates / c / 1e6));
      for (int b = 0; b < backends.size(); b++) {
        double e = run(it, items, backends.get(b), false, interval);
        double m = run(it, items, backends.get(b), true, interval);
        line.append(String.format(Locale.ROOT, "; %s: pipeline %.2f M (%.1f s), empty pipeline %.1f s, Mechanism alone %.2f M",
            backends.get(b), updates / m / 1e6, m, e, updates / Math.max(1e-9, m - e) / 1e6));
        if (r > 0) {
          full.get(b).add(m);
          empty.get(b).add(e);
        }
      }
      if (r > 0) {
        coreS.add(c);
      }
      System.out.println(line);
    }
    double c = updates / median(coreS);
    System.out.printf(Locale.ROOT, "%nmedian label updates/s (one core):%n  core on plain maps                      %8.2f M%n", c / 1e6);
    for (int b = 0; b < backends.size(); b++) {
      double m = median(full.get(b));
      double e = median(empty.get(b));
      double alone = updates / (m - e);
      System.out.printf(Locale.ROOT, "  %-8s whole pipeline (source included) %8.2f M%n", backends.get(b), updates / m / 1e6);
      System.out.printf(Locale.ROOT, "  %-8s Mechanism alone (minus empty)    %8.2f M   (%.2f x core; goal >= 1 M: %s)%n",
          backends.get(b), alone / 1e6, alone / c, alone >= 1e6 ? "met" : "NOT met");
    }
  }
}
