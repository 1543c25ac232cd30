package dev.feedbackagg.bench.operator;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.core.CohortMechanism;
import dev.feedbackagg.core.InMemoryCohortStore;
import dev.feedbackagg.core.ItemAssembler;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.ItemOutput;
import dev.feedbackagg.core.ItemPolicy;
import dev.feedbackagg.core.ItemState;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.MechanismOutput;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.PendingItem;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.job.operators.ItemWindow;
import dev.feedbackagg.job.operators.WindowState;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The state footprint (issue 6, item 5): the Mechanism's heap per labeler and per open pending item
 * in a cohort's heap maps, and ItemWindow's heap per open item, measured after GC on a fresh heap,
 * and their serialized sizes.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.feedbackagg.bench.operator.StateFootprint
 * [labelsPerItem]}.
 */
public final class StateFootprint {
  private StateFootprint() {}

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
    MechanismJobBench.Items it = MechanismJobBench.items(Math.max(labelers, k), k, openItems, 7);
    CohortMechanism m = new CohortMechanism(MechanismConfig.defaults().withOutcomeTimeoutMs(Long.MAX_VALUE / 4));
    MechanismOutput discard = MechanismJobBench.DISCARD;
    for (int j = 0; j < openItems; j++) { // each at a time of its own, as items close in a stream
      long time = 1 + j;
      ItemEvent close = ItemEvent.close("c", "prompt-" + j, "a", "b", time, CloseReason.COMPLETE, it.ids()[j], it.reports()[j]);
      m.step(store, "c", time, List.of(close), discard);
    }
    long withItems = usedHeapAfterGc();
    double perLabeler = (withLabelers - before) / (double) labelers;
    double perItem = (withItems - withLabelers) / (double) openItems;
    PendingItem sample = new PendingItem();
    sample.promptId = "prompt-123456";
    sample.labelerIds = it.ids()[0];
    sample.reports = it.reports()[0];
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

  /**
   * Heap held by ItemWindow's open items as the operator holds them (map entry, key string,
   * WindowState, and either the item collecting its labels or its reports waiting for the
   * watermark), measured after GC on a fresh heap, and their serialized size in keyed state.
   */
  static void itemWindowFootprint(int openItems, int k) throws Exception {
    long before = usedHeapAfterGc();
    Map<String, WindowState> collecting = new HashMap<>();
    for (int j = 0; j < openItems; j++) {
      WindowState w = new WindowState();
      w.item = collectingItem(j, k - 1);
      w.timer = 1_000L + j;
      collecting.put(ItemWindow.key("en-chat", promptId(j)), w);
    }
    long withCollecting = usedHeapAfterGc();
    Map<String, WindowState> buffered = new HashMap<>();
    for (int j = 0; j < openItems; j++) {
      WindowState w = new WindowState();
      w.reports = new ReportEvent[k];
      for (int i = 0; i < k; i++) {
        w.reports[i] = report(j, i);
      }
      w.timer = 1_000L + j;
      buffered.put(ItemWindow.key("en-chat", promptId(j)), w);
    }
    long withBuffered = usedHeapAfterGc();
    double perCollecting = (withCollecting - before) / (double) openItems;
    double perBuffered = (withBuffered - withCollecting) / (double) openItems;
    WindowState one = new WindowState();
    one.item = collectingItem(1, k - 1);
    WindowState oneBuffered = new WindowState();
    oneBuffered.reports = new ReportEvent[] {report(1, 0)};
    System.out.printf(Locale.ROOT, "%nItemWindow footprint (%d open items, %d labels expected, heap objects measured after GC):%n",
        openItems, k);
    System.out.printf(Locale.ROOT, "  heap per open item with %d labels applied (map entry, key, WindowState, ItemState, strings, arrays): %.0f bytes%n",
        k - 1, perCollecting);
    System.out.printf(Locale.ROOT, "  heap per item with %d reports waiting for the watermark (ReportEvents with their decoded records): %.0f bytes%n",
        k, perBuffered);
    System.out.printf(Locale.ROOT, "  serialized (keyed state, written at checkpoints): open item of %d labels %d bytes + key; one buffered report adds %d bytes%n",
        k - 1, serializedBytes(WindowState.class, one),
        serializedBytes(WindowState.class, oneBuffered) - serializedBytes(WindowState.class, new WindowState()));
    if (collecting.size() != openItems || buffered.size() != openItems) {
      throw new IllegalStateException("expected " + openItems + " items");
    }
  }

  /**
   * Heap held by closed items' markers as ItemWindow's keyed state holds them until the grace
   * period ends (map entry, key string, WindowState, the ItemState the assembler leaves at the
   * close, and the strings it keeps), and their serialized size. The items close through the
   * assembler from decoded reports, as in the job. Not counted: the state backend's map entry
   * and the clean-up timer of each marker (Flink's own objects).
   */
  static void markerFootprint(int items, int k) throws Exception {
    ItemAssembler assembler = new ItemAssembler(new ItemPolicy(k, 3_600_000L, 7L * 24 * 3_600_000L));
    ItemOutput discard = new ItemOutput() {
      @Override
      public void emit(ItemEvent event) {}

      @Override
      public void rejectReport(ReportEvent report, DeadLetterReason reason, String message) {}

      @Override
      public void rejectOutcome(OutcomeEvent outcome, DeadLetterReason reason, String message) {}
    };
    long before = usedHeapAfterGc();
    Map<String, WindowState> markers = new HashMap<>();
    for (int j = 0; j < items; j++) {
      ItemState state = null;
      for (int i = 0; i < k; i++) {
        state = assembler.step(state, 1_000L + j, List.of(), List.of(report(j, i)), discard);
      }
      if (state == null || !state.closed) {
        throw new IllegalStateException("item " + j + " did not close");
      }
      WindowState w = new WindowState();
      w.item = state;
      markers.put(ItemWindow.key("en-chat", promptId(j)), w);
    }
    long after = usedHeapAfterGc();
    WindowState one = markers.values().iterator().next();
    System.out.printf(Locale.ROOT, "  heap per closed item's marker, held for the grace period (map entry, key, WindowState, ItemState, strings): %.0f bytes;"
        + " serialized %d bytes + key%n", (after - before) / (double) items, serializedBytes(WindowState.class, one));
    if (markers.size() != items) {
      throw new IllegalStateException("expected " + items + " markers");
    }
  }

  private static String promptId(int j) {
    return String.format(Locale.ROOT, "prompt-%09d", j);
  }

  /** An item collecting its labels as the assembler leaves it: ids and reports of n labels applied. */
  private static ItemState collectingItem(int j, int n) {
    ItemState s = new ItemState();
    s.cohort = "en-chat";
    s.promptId = promptId(j);
    s.responseAId = "resp-a-" + j;
    s.responseBId = "resp-b-" + j;
    s.expectedLabels = n + 1;
    s.firstReportTime = 1_000L + j;
    s.deadline = s.firstReportTime + 3_600_000L;
    s.labelerIds = new String[n];
    s.reports = new double[n];
    for (int i = 0; i < n; i++) {
      s.labelerIds[i] = String.format(Locale.ROOT, "labeler-%06d", (j * 7 + i) % 100_000);
      s.reports[i] = 0.25 * (i % 5);
    }
    return s;
  }

  /** A report as the source decodes it: every string its own object, with its Kafka origin. */
  private static ReportEvent report(int j, int i) {
    LabelerReport r = new LabelerReport();
    r.setReportId("report-" + j + "-" + i);
    r.setCohort("en-chat");
    r.setPromptId(promptId(j));
    r.setResponseAId("resp-a-" + j);
    r.setResponseBId("resp-b-" + j);
    r.setLabelerId(String.format(Locale.ROOT, "labeler-%06d", (j * 7 + i) % 100_000));
    r.setPreference(0.25 * (i % 5));
    r.setExpectedLabels(5);
    r.setEventTime(1_000L + j);
    return new ReportEvent(r, new String("feedback.reports"), i % 4, 10L * j + i);
  }

  public static void main(String[] args) throws Exception {
    int k = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    footprint(1_000_000, 100_000, k);
    itemWindowFootprint(100_000, k);
    markerFootprint(100_000, k);
  }
}
