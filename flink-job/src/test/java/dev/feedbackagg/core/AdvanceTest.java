package dev.feedbackagg.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CohortMechanism#advance} (the operator's call, which looks ahead at later items) against
 * {@link CohortMechanism#step} at every due time (the reference's call): the same outputs, each
 * stamped with the same time, and the same state, bit for bit.
 */
class AdvanceTest {

  /** Everything emitted, as text, each line stamped with the time given to {@link #at}. */
  static final class Log implements MechanismOutput {
    final List<String> lines = new ArrayList<>();
    long time = Long.MIN_VALUE;

    @Override
    public void at(long t) {
      time = t;
    }

    @Override
    public void aggregated(AggregatedPreference r) {
      lines.add(time + " aggregated " + r + " bits " + bits(r.getPreference(), r.getEffectiveLabelers(),
          r.getMean(), r.getMedian(), r.getMajority(), r.getConfidence())
          + r.getContributions().stream().map(c -> bits(c.getWeight(), c.getReport())).toList());
    }

    @Override
    public void regret(RegretMetrics r) {
      lines.add(time + " regret " + r + " bits " + bits(r.getLossMechanism(), r.getLossMean(),
          r.getLossMedian(), r.getLossMajority(), r.getMeanEffectiveLabelers()));
    }

    @Override
    public void weight(LabelerWeight r) {
      lines.add(time + " weight " + r + " bits " + bits(r.getLogWeight(), r.getSpecialistLoss(),
          r.getLoss(), r.getSpecialistRegret()));
    }

    @Override
    public void unmatchedOutcome(ItemEvent outcome) {
      lines.add(time + " unmatched " + outcome);
    }
  }

  static String bits(double... values) {
    StringBuilder b = new StringBuilder();
    for (double v : values) {
      b.append(Long.toHexString(Double.doubleToRawLongBits(v))).append(' ');
    }
    return b.toString();
  }

  /** A cohort's buffered events, by time, as the operator keeps them. */
  static final class Buffer implements EventBuffer {
    final TreeMap<Long, List<ItemEvent>> byTime = new TreeMap<>();

    void add(ItemEvent e) {
      byTime.computeIfAbsent(e.time, t -> new ArrayList<>()).add(e);
    }

    @Override
    public boolean isEmpty() {
      return byTime.isEmpty();
    }

    @Override
    public long firstTime() {
      return byTime.firstKey();
    }

    @Override
    public List<ItemEvent> takeFirst() {
      return byTime.pollFirstEntry().getValue();
    }
  }

  /**
   * The loop the operator ran before advance existed (and the reference runs): step at each due
   * time up to until, the next due time computed after each step.
   */
  static long stepUntil(CohortMechanism m, InMemoryCohortStore store, Buffer buffer, long until, Log out)
      throws Exception {
    long due = nextDue(store, buffer);
    while (due != CohortMechanism.NOTHING_DUE && due <= until) {
      out.at(due);
      List<ItemEvent> events = buffer.byTime.remove(due);
      m.step(store, "c", due, events == null ? List.of() : events, out);
      due = nextDue(store, buffer);
    }
    return due;
  }

  static long nextDue(InMemoryCohortStore store, Buffer buffer) {
    long due = Long.MAX_VALUE;
    boolean any = false;
    if (!buffer.isEmpty()) {
      due = buffer.firstTime();
      any = true;
    }
    if (store.nextExpiry() != Long.MAX_VALUE) {
      due = Math.min(due, store.nextExpiry());
      any = true;
    }
    if (store.summary().pendingBoundary != CohortSummary.NO_BOUNDARY) {
      due = Math.min(due, store.summary().pendingBoundary);
      any = true;
    }
    return any ? due : CohortMechanism.NOTHING_DUE;
  }

  /**
   * A random cohort log: items of 1 to maxLabels labels from a pool of labelers (new ones keep
   * coming), several at some times, outcomes held, revealed later (some after the timeout, some
   * for items never closed) or never. Ids are fresh strings, never the same objects twice.
   */
  static List<ItemEvent> randomLog(Random rnd, int items, int pool, int maxLabels, int maxPerTime) {
    List<ItemEvent> events = new ArrayList<>();
    long t = 0;
    int k = 0;
    while (k < items) {
      t += 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 40 : 3);
      int here = 1 + rnd.nextInt(maxPerTime);
      for (int j = 0; j < here && k < items; j++, k++) {
        String prompt = "p" + rnd.nextInt(1000) + "-" + k;
        int n = 1 + rnd.nextInt(maxLabels);
        int reach = Math.min(pool, 10 + k * pool / Math.max(1, items / 2)); // newcomers arrive
        TreeSet<String> ids = new TreeSet<>();
        while (ids.size() < Math.min(n, reach)) {
          ids.add(new String(String.format("L%06d", rnd.nextInt(reach))));
        }
        String[] labelers = ids.toArray(new String[0]);
        double[] reports = new double[labelers.length];
        for (int i = 0; i < reports.length; i++) {
          reports[i] = rnd.nextBoolean() ? rnd.nextInt(5) / 4.0 : rnd.nextDouble();
        }
        ItemEvent close = ItemEvent.close("c", prompt, "a", "b", t,
            rnd.nextBoolean() ? CloseReason.COMPLETE : CloseReason.TIMEOUT, labelers, reports);
        double y = rnd.nextInt(3) == 0 ? rnd.nextDouble() : rnd.nextInt(2);
        int fate = rnd.nextInt(10);
        if (fate < 5) {
          close.withHeldOutcome(y);
        } else if (fate < 8) {
          events.add(ItemEvent.outcome("c", prompt, t + 1 + rnd.nextInt(60), y));
        }
        events.add(close);
        if (rnd.nextInt(50) == 0) {
          events.add(ItemEvent.outcome("c", "never-closed-" + k, t, 1.0));
        }
      }
    }
    return events;
  }

  /**
   * Runs the log both ways: step at every due time, and advance up to random watermarks (events
   * arrive a little ahead of the watermark, as in the operator); then compares.
   */
  static void assertSameAsStepping(long seed, MechanismConfig config, List<ItemEvent> events) throws Exception {
    String ctx = "seed " + seed;
    Random rnd = new Random(seed);
    List<ItemEvent> byTime = new ArrayList<>(events);
    byTime.sort((a, b) -> Long.compare(a.time, b.time));
    long last = byTime.get(byTime.size() - 1).time;

    CohortMechanism stepping = new CohortMechanism(config);
    InMemoryCohortStore steppedStore = new InMemoryCohortStore();
    Buffer steppedBuffer = new Buffer();
    Log stepped = new Log();

    CohortMechanism advancing = new CohortMechanism(config);
    InMemoryCohortStore advancedStore = new InMemoryCohortStore();
    Buffer advancedBuffer = new Buffer();
    Log advanced = new Log();

    int next = 0;
    long watermark = Long.MIN_VALUE;
    while (watermark < Long.MAX_VALUE) {
      watermark = watermark >= last + 200 ? Long.MAX_VALUE
          : Math.max(watermark, 0) + rnd.nextInt(rnd.nextBoolean() ? 5 : 150);
      while (next < byTime.size() && byTime.get(next).time <= watermark + 20) {
        steppedBuffer.add(byTime.get(next));
        advancedBuffer.add(byTime.get(next));
        next++;
      }
      long dueStepped = stepUntil(stepping, steppedStore, steppedBuffer, watermark, stepped);
      long dueAdvanced = advancing.advance(advancedStore, "c", advancedBuffer, watermark, advanced);
      assertThat(dueAdvanced).as("%s: next due after watermark %d", ctx, watermark).isEqualTo(dueStepped);
      assertThat(advancedBuffer.byTime.keySet()).as("%s: left buffered after %d", ctx, watermark)
          .isEqualTo(steppedBuffer.byTime.keySet());
    }
    stepping.endOfInput(steppedStore, "c", stepped);
    advancing.endOfInput(advancedStore, "c", advanced);

    assertThat(advanced.lines).as("%s: aggregates, snapshots, weights", ctx).hasSizeGreaterThan(10);
    for (int i = 0; i < Math.min(stepped.lines.size(), advanced.lines.size()); i++) {
      assertThat(advanced.lines.get(i)).as("%s: output %d", ctx, i).isEqualTo(stepped.lines.get(i));
    }
    assertThat(advanced.lines).as("%s: outputs", ctx).hasSameSizeAs(stepped.lines);
    assertSameState(ctx, steppedStore, advancedStore);
  }

  static void assertSameState(String ctx, InMemoryCohortStore expected, InMemoryCohortStore actual) {
    Map<String, LabelerState> e = new TreeMap<>(expected.labelers());
    Map<String, LabelerState> a = new TreeMap<>(actual.labelers());
    assertThat(a.keySet()).as("%s: labelers", ctx).isEqualTo(e.keySet());
    for (String id : e.keySet()) {
      LabelerState x = e.get(id);
      LabelerState y = a.get(id);
      assertThat(bits(y.specialistLoss, y.loss, y.specialistRegret) + y.rounds + y.changedSinceSnapshot)
          .as("%s: labeler %s", ctx, id)
          .isEqualTo(bits(x.specialistLoss, x.loss, x.specialistRegret) + x.rounds + x.changedSinceSnapshot);
    }
    CohortSummary s = expected.summary();
    CohortSummary t = actual.summary();
    assertThat(List.of(t.rounds, t.itemsClosed, t.itemsExpired, t.labelers, t.pendingBoundary))
        .as("%s: counters", ctx).isEqualTo(List.of(s.rounds, s.itemsClosed, s.itemsExpired, s.labelers, s.pendingBoundary));
    assertThat(bits(t.lossMechanism, t.lossMean, t.lossMedian, t.lossMajority, t.sumEffectiveLabelers, t.maxRegret))
        .as("%s: sums", ctx)
        .isEqualTo(bits(s.lossMechanism, s.lossMean, s.lossMedian, s.lossMajority, s.sumEffectiveLabelers, s.maxRegret));
    assertThat(t.fullParticipants).as("%s: full participants", ctx).isEqualTo(s.fullParticipants);
    assertThat(t.maxRegretLabeler).as("%s: max regret labeler", ctx).isEqualTo(s.maxRegretLabeler);
    assertThat(actual.pendingCount()).as("%s: pending", ctx).isEqualTo(expected.pendingCount());
  }

  static MechanismConfig config(long seed) {
    return MechanismConfig.defaults()
        .withMetricsIntervalMs(seed % 2 == 0 ? 25 : 400)
        .withOutcomeTimeoutMs(30)
        .withMinRounds(3);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void manySmallItemsAsStepped(long seed) throws Exception {
    // Few labelers, several items per time: newcomers, repeats and dependencies within a look-ahead.
    Random rnd = new Random(seed);
    assertSameAsStepping(seed, config(seed), randomLog(rnd, 1500, 40, 6, 6));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 12, 13, 14})
  void manyLabelersAsStepped(long seed) throws Exception {
    // A large pool: most labelers new when first seen, lookups across a growing table.
    Random rnd = new Random(seed);
    assertSameAsStepping(seed, config(seed), randomLog(rnd, 3000, 20_000, 12, 3));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {21, 22})
  void itemsLargerThanOneLookAheadAsStepped(long seed) throws Exception {
    // Items of up to 3 x AHEAD_LABELS labels, many at one time.
    Random rnd = new Random(seed);
    assertSameAsStepping(
        seed, config(seed), randomLog(rnd, 400, 2_000, 3 * CohortMechanism.AHEAD_LABELS, 40));
  }

  @Test
  void leavesEventsAfterUntilInTheBufferAndReturnsTheNextDueTime() throws Exception {
    MechanismConfig config = MechanismConfig.defaults().withMetricsIntervalMs(100).withOutcomeTimeoutMs(1000);
    CohortMechanism m = new CohortMechanism(config);
    InMemoryCohortStore store = new InMemoryCohortStore();
    Buffer buffer = new Buffer();
    for (int t = 1; t <= 300; t++) {
      buffer.add(ItemEvent.close("c", "p" + t, "a", "b", t, CloseReason.COMPLETE,
          new String[] {"x" + (t % 7), "y" + (t % 11)}, new double[] {1.0, 0.0}));
    }
    Log out = new Log();
    // Up to 150: the boundary at 100 was applied, the one at 200 is now due (before the item at 151).
    assertThat(m.advance(store, "c", buffer, 150, out)).isEqualTo(151);
    assertThat(store.summary().itemsClosed).isEqualTo(150);
    assertThat(buffer.firstTime()).isEqualTo(151);
    assertThat(buffer.byTime).hasSize(150);
    assertThat(store.pendingCount()).isEqualTo(150);
    assertThat(out.lines.stream().filter(l -> l.contains(" regret ")).toList()).hasSize(1);
    assertThat(out.lines.get(out.lines.size() - 1)).startsWith("150 ");
    // Then the rest: the boundaries at 200, 300 and 400 come at their times (the last with no
    // event), the first expiry is due later.
    assertThat(m.advance(store, "c", buffer, 400, out)).isEqualTo(1001);
    assertThat(buffer.isEmpty()).isTrue();
    assertThat(store.summary().itemsClosed).isEqualTo(300);
    assertThat(out.lines.stream().filter(l -> l.contains(" regret ")).map(l -> l.split(" ")[0]).toList())
        .containsExactly("100", "200", "300", "400");
  }
}
