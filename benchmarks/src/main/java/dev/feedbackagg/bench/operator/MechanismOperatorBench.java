package dev.feedbackagg.bench.operator;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.core.CohortMechanism;
import dev.feedbackagg.core.InMemoryCohortStore;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.MechanismOutput;
import dev.feedbackagg.core.PendingItem;
import dev.feedbackagg.job.operators.Mechanism;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * The Mechanism operator alone (issue 6, items 2 and 5): items of k labels from L labelers go
 * through the real operator in Flink's keyed operator test harness (heap state, then RocksDB), with
 * a watermark after every batch and a checkpoint every {@link #CHECKPOINT_EVERY} items, and the same items through the core on plain maps as the
 * baseline of the same run. Prints label updates per second (one item = k label updates: its
 * aggregation and its specialists update), medians of several rounds, and the state footprint.
 *
 * <p>The harness copies every output record with its serializer (the job, with object reuse, does
 * not) and runs the asynchronous part of each checkpoint in the calling thread; {@link
 * MechanismJobBench} measures the operator in a real runtime and is the figure of record.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.feedbackagg.bench.operator.MechanismOperatorBench
 * footprint [labelsPerItem]} (the state footprint only), or {@code ... MechanismOperatorBench
 * [labelers] [labelsPerItem] [items] [rounds] [heap-only|both] [metricsIntervalMs]}. Items are 1 ms
 * of event time apart, so the default interval of the job (1 minute) is one snapshot per 60,000
 * items; 1000 gives one per 1,000 items, when the weight records of the changed labelers outnumber
 * the items.
 */
public final class MechanismOperatorBench {
  private MechanismOperatorBench() {}

  record Items(String[][] ids, double[][] reports, double[] outcomes) {}

  /** A sink that drops everything (the outputs are built, as in the job, then discarded). */
  static final MechanismOutput DISCARD =
      new MechanismOutput() {
        @Override
        public void aggregated(AggregatedPreference r) {}

        @Override
        public void regret(dev.feedbackagg.avro.RegretMetrics r) {}

        @Override
        public void weight(dev.feedbackagg.avro.LabelerWeight r) {}

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

  static ItemEvent event(Items it, int j, long time) {
    return ItemEvent.close("c", "p" + j, "a", "b", time, CloseReason.COMPLETE, it.ids[j], it.reports[j])
        .withHeldOutcome(it.outcomes[j]);
  }

  /** Items between checkpoints: at 1 M label updates/s and k = 5, a 5 s interval is 1 M items. */
  static final int CHECKPOINT_EVERY = 100_000;

  /** Event time between metrics snapshots; items are 1 ms apart. */
  static long metricsIntervalMs = 60_000;

  static MechanismConfig config() {
    return MechanismConfig.defaults().withMetricsIntervalMs(metricsIntervalMs);
  }

  /** Items through the operator; returns seconds. */
  static double operator(Items it, boolean rocksdb, int batch) throws Exception {
    KeyedOneInputStreamOperatorTestHarness<String, ItemEvent, AggregatedPreference> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new Mechanism(config()), e -> e.cohort, TypeInformation.of(String.class));
    if (rocksdb) {
      h.setStateBackend(new EmbeddedRocksDBStateBackend());
    }
    // Checkpoints to files, as in the job (the harness's default keeps at most 5 MB in memory).
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("mechanism-bench-checkpoints");
    h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
    h.setup();
    h.open();
    long start = System.nanoTime();
    int n = it.ids.length;
    long checkpoint = 0;
    for (int j = 0; j < n; j++) {
      h.processElement(new StreamRecord<>(event(it, j, j + 1), j + 1));
      if ((j + 1) % batch == 0 || j == n - 1) {
        h.processWatermark(j + 1);
        h.getOutput().clear(); // a discarding sink
      }
      if ((j + 1) % CHECKPOINT_EVERY == 0) {
        // The operator writes what changed into keyed state; the backend snapshots it.
        checkpoint++;
        h.snapshot(checkpoint, checkpoint);
      }
    }
    double s = (System.nanoTime() - start) / 1e9;
    h.close();
    org.apache.flink.util.FileUtils.deleteDirectory(dir.toFile());
    return s;
  }

  /** The same items through the core on plain maps; returns seconds. */
  static double core(Items it) throws Exception {
    CohortMechanism m = new CohortMechanism(config());
    InMemoryCohortStore store = new InMemoryCohortStore();
    MechanismOutput discard = DISCARD;
    long start = System.nanoTime();
    for (int j = 0; j < it.ids.length; j++) {
      m.step(store, "c", j + 1, List.of(event(it, j, j + 1)), discard);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Serialized bytes of a value with Flink's own serializer for its type (RocksDB and checkpoints). */
  static <T> int serializedBytes(Class<T> type, T value) throws Exception {
    TypeSerializer<T> s = TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
    DataOutputSerializer out = new DataOutputSerializer(256);
    s.serialize(value, out);
    return out.length();
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Heap held by labelers and open pending items in plain maps, as the Mechanism operator's
   * per-cohort cache holds them. With the heap state backend, keyed state holds its own copy of
   * every labeler state (written at checkpoints) and the same pending item objects.
   */
  static void footprint(int labelers, int openItems, int k) throws Exception {
    long before = usedHeapAfterGc();
    InMemoryCohortStore store = new InMemoryCohortStore();
    for (int i = 0; i < labelers; i++) {
      LabelerState s = LabelerState.newcomer(0);
      s.rounds = i;
      store.putLabeler("labeler-" + i, s);
    }
    long withLabelers = usedHeapAfterGc();
    Items it = items(Math.max(labelers, k), k, openItems, 7);
    CohortMechanism m = new CohortMechanism(config().withOutcomeTimeoutMs(Long.MAX_VALUE / 4));
    MechanismOutput discard = DISCARD;
    for (int j = 0; j < openItems; j++) {
      ItemEvent close = ItemEvent.close("c", "prompt-" + j, "a", "b", 1, CloseReason.COMPLETE, it.ids[j], it.reports[j]);
      m.step(store, "c", 1, List.of(close), discard);
    }
    long withItems = usedHeapAfterGc();
    double perLabeler = (withLabelers - before) / (double) labelers;
    double perItem = (withItems - withLabelers) / (double) openItems;
    PendingItem sample = new PendingItem();
    sample.promptId = "prompt-123456";
    sample.labelerIds = it.ids[0];
    sample.reports = it.reports[0];
    sample.logWeights = new double[k];
    System.out.printf(Locale.ROOT, "%nstate footprint (%d labelers, %d open items of %d labels, heap objects measured after GC):%n",
        labelers, openItems, k);
    System.out.printf(Locale.ROOT, "  heap per labeler (map entry, id string, LabelerState): %.0f bytes%n", perLabeler);
    System.out.printf(Locale.ROOT, "  heap per open item (pending item, arrays, expiry entry): %.0f bytes%n", perItem);
    System.out.printf(Locale.ROOT, "  serialized (RocksDB value / checkpoint): LabelerState %d bytes + key; PendingItem of %d labels %d bytes + key%n",
        serializedBytes(LabelerState.class, LabelerState.newcomer(0)), k, serializedBytes(PendingItem.class, sample));
    double cacheMb = (perLabeler * 1_000_000 + perItem * 100_000) / (1 << 20);
    System.out.printf(Locale.ROOT, "  heap for 1,000,000 labelers and 100,000 open items: about %.0f MB in the operator's cache;"
        + " with the heap state backend about %.0f MB (its copy of the labelers)%n", cacheMb,
        cacheMb + perLabeler * 1_000_000 / (1 << 20));
    if (store.pendingCount() != openItems) {
      throw new IllegalStateException("expected " + openItems + " pending items, found " + store.pendingCount());
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("footprint")) {
      footprint(1_000_000, 100_000, args.length > 1 ? Integer.parseInt(args[1]) : 5);
      return;
    }
    int labelers = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int k = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int n = args.length > 2 ? Integer.parseInt(args[2]) : 400_000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    boolean withRocksDb = args.length <= 4 || !args[4].equals("heap-only");
    metricsIntervalMs = args.length > 5 ? Long.parseLong(args[5]) : 60_000;
    // First, on a fresh heap: the footprint measurement compares used heap after GC.
    footprint(1_000_000, 100_000, k);
    Items it = items(labelers, k, n, 42);
    List<Double> heap = new ArrayList<>();
    List<Double> rocks = new ArrayList<>();
    List<Double> core = new ArrayList<>();
    System.out.printf(Locale.ROOT, "Mechanism operator alone: %d labelers, %d labels per item, %d items per round, %d rounds (first is warm-up),"
        + " a metrics snapshot every %,d items, a checkpoint every %,d items%n",
        labelers, k, n, rounds + 1, metricsIntervalMs, CHECKPOINT_EVERY);
    for (int r = 0; r <= rounds; r++) {
      double c = core(it);
      double hs = operator(it, false, 1_000);
      double rs = withRocksDb ? operator(it, true, 1_000) : Double.NaN;
      if (r > 0) {
        core.add(c);
        heap.add(hs);
        rocks.add(rs);
      }
      System.out.printf(Locale.ROOT, "  round %d%s: core %.2f M, operator heap %.2f M, operator RocksDB %.2f M label updates/s%n",
          r, r == 0 ? " (warm-up)" : "", n * (double) k / c / 1e6, n * (double) k / hs / 1e6, n * (double) k / rs / 1e6);
    }
    double c = n * (double) k / median(core);
    double h = n * (double) k / median(heap);
    double ro = n * (double) k / median(rocks);
    System.out.printf(Locale.ROOT, "%nmedian label updates/s (one core):%n");
    System.out.printf(Locale.ROOT, "  core on plain maps        %10.2f M%n", c / 1e6);
    System.out.printf(Locale.ROOT, "  Mechanism operator, heap  %10.2f M   (%.2f x core; goal >= 1 M)%n", h / 1e6, h / c);
    System.out.printf(Locale.ROOT, "  Mechanism operator, RocksDB %8.2f M   (%.2f x heap)%n", ro / 1e6, ro / h);
  }
}
