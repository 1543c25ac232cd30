package dev.feedbackagg.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.core.CohortSummary;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Mechanism keeps each cohort on the heap and writes what changed into keyed state at every
 * checkpoint. A run cut by a checkpoint and restored into a new operator (new heap, state only
 * from the checkpoint) must give exactly the outputs of an uninterrupted run: pending items, events
 * buffered ahead of the watermark, labelers changed since the last metrics snapshot, expiries and
 * the summary all cross the cut, for two cohorts, with both state backends.
 */
class MechanismRestoreTest {
  private static final MechanismConfig CONFIG =
      new MechanismConfig(0.5, Loss.BRIER, 0.0, 1, 1_000L, 10_000L);

  /** Before the cut: c1 has p2 pending and p3 buffered (ahead of the watermark); c2 is updated. */
  private static void firstHalf(Harness h) throws Exception {
    h.send(close("c1", "p1", 100, new String[] {"a", "b", "c"}, new double[] {1.0, 0.75, 0.0}));
    h.send(close("c1", "p2", 150, new String[] {"a", "b"}, new double[] {0.25, 1.0}));
    h.send(ItemEvent.outcome("c1", "p1", 200, 1.0));
    h.send(close("c2", "q1", 120, new String[] {"a", "x"}, new double[] {0.0, 0.5}).withHeldOutcome(0.0));
    h.send(close("c1", "p3", 300, new String[] {"b", "c"}, new double[] {0.5, 0.0}));
    h.processWatermark(250);
    // A checkpoint that is not the cut: what it wrote must be overwritten by the later one.
    h.snapshot(1L, 1L);
    h.send(close("c2", "q2", 240, new String[] {"x", "y"}, new double[] {1.0, 0.0}));
    h.processWatermark(260);
  }

  /** After the cut: p2's outcome, a new close, boundaries, p3's expiry and its late outcome. */
  private static void secondHalf(Harness h) throws Exception {
    h.send(ItemEvent.outcome("c1", "p2", 400, 0.0));
    h.send(close("c1", "p4", 500, new String[] {"a", "c"}, new double[] {0.0, 1.0}));
    h.send(ItemEvent.outcome("c2", "q2", 600, 1.0));
    h.processWatermark(1_000);
    h.send(ItemEvent.outcome("c1", "p4", 1_200, 0.5));
    h.send(ItemEvent.outcome("c1", "p3", 10_400, 1.0)); // after p3 expired at 10_300
    h.processWatermark(11_000);
    h.processWatermark(Long.MAX_VALUE);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void restoredRunGivesTheOutputsOfAnUninterruptedRun(String backend) throws Exception {
    List<String> uninterrupted;
    try (Harness h = new Harness(backend(backend))) {
      h.open();
      firstHalf(h);
      secondHalf(h);
      Outputs all = new Outputs();
      h.addOutputsTo(all);
      uninterrupted = all.list();
      assertThat(h.numEventTimeTimers()).isZero();
    }

    Outputs restored = new Outputs();
    OperatorSubtaskState cut;
    try (Harness before = new Harness(backend(backend))) {
      before.open();
      firstHalf(before);
      cut = before.snapshot(2L, 2L);
      before.addOutputsTo(restored);
    }
    try (Harness after = new Harness(backend(backend))) {
      after.initializeState(cut);
      after.open();
      secondHalf(after);
      after.addOutputsTo(restored);
      assertThat(after.numEventTimeTimers()).isZero();
    }

    assertThat(restored.list()).isEqualTo(uninterrupted);
    // The run exercised what it is meant to: aggregates, weights, regret, the end-of-input
    // snapshots of both cohorts and the unmatched outcome of the expired p3.
    assertThat(uninterrupted).filteredOn(s -> s.startsWith("aggregated")).hasSize(6);
    assertThat(uninterrupted).filteredOn(s -> s.startsWith("weight")).isNotEmpty();
    assertThat(uninterrupted).filteredOn(s -> s.contains("\"end_of_input\": true")).hasSize(2);
    assertThat(uninterrupted).filteredOn(s -> s.startsWith("dead-letter")).singleElement()
        .asString().contains("NO_ITEM");
  }

  /**
   * Between two checkpoints more pending items and labelers change than the cache tracks one by
   * one (as with checkpoints far apart, or none configured): the next checkpoint rewrites them all,
   * and a restore from it still gives the uninterrupted run's outputs. The first checkpoint holds
   * pending items that are gone by the cut: they must not come back.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void manyChangesBetweenCheckpointsAreWrittenInFull(String backend) throws Exception {
    int items = 12_000;
    int labelers = 1_000;
    List<String> uninterrupted;
    try (Harness h = new Harness(backend(backend))) {
      h.open();
      churn(h, items, labelers, 0, items);
      h.processWatermark(Long.MAX_VALUE);
      Outputs all = new Outputs();
      h.addOutputsTo(all);
      uninterrupted = all.list();
    }
    Outputs restored = new Outputs();
    OperatorSubtaskState cut;
    try (Harness before = new Harness(backend(backend))) {
      before.open();
      churn(before, items, labelers, 0, 200);
      before.snapshot(1L, 1L);
      churn(before, items, labelers, 200, items - 500);
      Mechanism op = (Mechanism) before.getOperator();
      assertThat(op.cohortCache("c1").allLabelersDirty()).isTrue();
      assertThat(op.cohortCache("c1").allPendingDirty()).isTrue();
      cut = before.snapshot(2L, 2L);
      before.addOutputsTo(restored);
    }
    try (Harness after = new Harness(backend(backend))) {
      after.initializeState(cut);
      after.open();
      churn(after, items, labelers, items - 500, items);
      after.processWatermark(Long.MAX_VALUE);
      after.addOutputsTo(restored);
    }
    assertThat(restored.list()).isEqualTo(uninterrupted);
    assertThat(uninterrupted).filteredOn(s -> s.startsWith("aggregated")).hasSize(items);
  }

  /**
   * Items from..to-1 of c1, 3 ms apart, each labelled by two of the labelers: one in ten never
   * gets an outcome (it expires after the outcome timeout, 10 s), the others get it with the close
   * (odd) or 1 ms after it (even, so they are pending in between); the watermark follows, so
   * metrics boundaries (every second) take the changed labelers.
   */
  private static void churn(Harness h, int items, int labelers, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      long t = 100 + 3L * i;
      String a = "l" + (i % labelers);
      String b = "l" + ((i * 7 + 1) % labelers);
      String[] ids = a.compareTo(b) < 0 ? new String[] {a, b} : new String[] {b, a};
      if (ids[0].equals(ids[1])) {
        ids = new String[] {ids[0]};
      }
      double[] reports = ids.length == 2 ? new double[] {(i % 5) / 4.0, (i % 3) / 2.0} : new double[] {0.5};
      double y = (i % 4) / 3.0 > 0.5 ? 1.0 : 0.0;
      ItemEvent close = close("c1", "p" + i, t, ids, reports);
      if (i % 10 == 5) {
        h.send(close);
      } else if (i % 2 == 1) {
        h.send(close.withHeldOutcome(y));
      } else {
        h.send(close);
        h.send(ItemEvent.outcome("c1", "p" + i, t + 1, y));
      }
      h.processWatermark(t + 1);
    }
  }

  /** The cache copies the summary at every checkpoint: a field left out would be lost on restore. */
  @Test
  void summaryCopyCarriesEveryField() throws Exception {
    CohortSummary s = new CohortSummary();
    int i = 1;
    for (Field f : CohortSummary.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      Class<?> t = f.getType();
      if (t == long.class) {
        f.setLong(s, 1000L + i);
      } else if (t == double.class) {
        f.setDouble(s, 0.5 + i);
      } else if (t == String.class) {
        f.set(s, "v" + i);
      } else if (t == String[].class) {
        f.set(s, new String[] {"v" + i});
      } else {
        throw new AssertionError("CohortCache.copy does not know field " + f + ": add it there and here");
      }
      i++;
    }
    CohortSummary c = CohortCache.copy(s);
    for (Field f : CohortSummary.class.getFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        assertThat(f.get(c)).as(f.getName()).isEqualTo(f.get(s));
      }
    }
  }

  private static StateBackend backend(String name) {
    return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
  }

  private static ItemEvent close(String cohort, String prompt, long time, String[] ids, double[] reports) {
    return ItemEvent.close(cohort, prompt, "ra", "rb", time, CloseReason.COMPLETE, ids, reports);
  }

  /** Each output stream in order, across one or more harnesses. */
  private static final class Outputs {
    final List<String> aggregated = new ArrayList<>();
    final List<String> regret = new ArrayList<>();
    final List<String> weights = new ArrayList<>();
    final List<String> deadLetters = new ArrayList<>();

    List<String> list() {
      List<String> all = new ArrayList<>(aggregated);
      all.addAll(regret);
      all.addAll(weights);
      all.addAll(deadLetters);
      return all;
    }
  }

  /** The operator in a keyed harness; outputs of every stream as text (Avro's JSON form). */
  private static final class Harness extends KeyedOneInputStreamOperatorTestHarness<String, ItemEvent,
      Either<AggregatedPreference, LabelerWeight>> {
    Harness(StateBackend backend) throws Exception {
      super(new Mechanism(CONFIG), EventKey.cohort(), Types.STRING);
      setup(Mechanism.RESULTS.createSerializer(new SerializerConfigImpl())); // Either: not inferable
      setStateBackend(backend);
    }

    void send(ItemEvent e) throws Exception {
      processElement(e, e.time);
    }

    void addOutputsTo(Outputs out) {
      for (Object o : getOutput()) {
        if (o instanceof StreamRecord<?> r && r.getValue() instanceof Either<?, ?> e) {
          if (e.isLeft()) {
            out.aggregated.add("aggregated " + r.getTimestamp() + " " + e.left());
          } else {
            out.weights.add("weight " + r.getTimestamp() + " " + e.right());
          }
        }
      }
      side(out.regret, "regret", getSideOutput(Mechanism.REGRET));
      side(out.deadLetters, "dead-letter", getSideOutput(Mechanism.DEAD_LETTERS));
    }

    private static <T> void side(List<String> out, String name, Queue<StreamRecord<T>> records) {
      if (records != null) {
        records.forEach(r -> out.add(name + " " + r.getTimestamp() + " " + r.getValue()));
      }
    }
  }
}
