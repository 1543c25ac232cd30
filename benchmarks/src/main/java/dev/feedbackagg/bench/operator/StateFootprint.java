package dev.feedbackagg.bench.operator;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.core.CohortMechanism;
import dev.feedbackagg.core.InMemoryCohortStore;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.MechanismOutput;
import dev.feedbackagg.core.PendingItem;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The Mechanism's state footprint (issue 6, item 5): heap per labeler and per open pending item in
 * a cohort's heap maps, measured after GC on a fresh heap, and their serialized sizes.
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
    for (int j = 0; j < openItems; j++) {
      ItemEvent close = ItemEvent.close("c", "prompt-" + j, "a", "b", 1, CloseReason.COMPLETE, it.ids()[j], it.reports()[j]);
      m.step(store, "c", 1, List.of(close), discard);
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

  public static void main(String[] args) throws Exception {
    footprint(1_000_000, 100_000, args.length > 0 ? Integer.parseInt(args[0]) : 5);
  }
}
