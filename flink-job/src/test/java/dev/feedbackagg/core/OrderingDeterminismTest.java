package dev.feedbackagg.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MECHANISM.md, "Ordering and time": the output is identical, bit for bit, whatever the arrival
 * order of the input; at equal times outcomes apply before closes, then ascending prompt id.
 */
class OrderingDeterminismTest {
  private static final MechanismConfig CONFIG =
      MechanismConfig.defaults().withMetricsIntervalMs(25).withOutcomeTimeoutMs(120).withMinRounds(2);

  // ---------------------------------------------------------------------------------------------
  // Reference: shuffled item events.
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void referenceOutputDoesNotDependOnTheOrderOfItemEvents(long seed) {
    List<ItemEvent> events = randomItemEvents(new Random(seed));
    Reference.Result expected = new Reference(CONFIG).run(events);
    assertThat(expected.aggregated).as("seed %d: some closes", seed).hasSizeGreaterThan(50);
    assertThat(expected.unmatchedOutcomes).as("seed %d: some unmatched outcomes", seed).isNotEmpty();
    assertThat(expected.regret.stream().filter(r -> r.getItemsExpired() > 0))
        .as("seed %d: some expiries", seed).isNotEmpty();
    Map<Long, Integer> closesAt = new TreeMap<>();
    Map<Long, Integer> outcomesAt = new TreeMap<>();
    for (ItemEvent e : events) {
      (e.kind == ItemEvent.Kind.CLOSE ? closesAt : outcomesAt).merge(e.time, 1, Integer::sum);
    }
    assertThat(closesAt.values()).as("seed %d: several closes at one time", seed)
        .anyMatch(c -> c > 1);
    assertThat(outcomesAt.values()).as("seed %d: several outcomes at one time", seed)
        .anyMatch(c -> c > 1);
    assertThat(outcomesAt.keySet()).as("seed %d: outcomes at the time of a close", seed)
        .containsAnyElementsOf(closesAt.keySet());
    List<String> expectedBits = bitsOf(expected);
    for (int shuffle = 0; shuffle < 5; shuffle++) {
      List<ItemEvent> copy = new ArrayList<>(events);
      Collections.shuffle(copy, new Random(seed * 1000 + shuffle));
      Reference.Result actual = new Reference(CONFIG).run(copy);
      String ctx = "seed " + seed + " shuffle " + shuffle;
      assertThat(actual.aggregated).as("%s: aggregated", ctx).isEqualTo(expected.aggregated);
      assertThat(actual.regret).as("%s: regret", ctx).isEqualTo(expected.regret);
      assertThat(actual.weights).as("%s: weights", ctx).isEqualTo(expected.weights);
      assertThat(actual.unmatchedOutcomes).as("%s: unmatched", ctx)
          .isEqualTo(expected.unmatchedOutcomes);
      assertThat(bitsOf(actual)).as("%s: every double, bit for bit", ctx).isEqualTo(expectedBits);
    }
  }

  /**
   * Two cohorts; close times on a coarse grid so that many items close at the same time; held
   * outcomes, outcome reveals on the same grid (shared with other items' closes), outcomes that
   * come after the item expired, and outcomes for items that never closed.
   */
  static List<ItemEvent> randomItemEvents(Random rnd) {
    List<ItemEvent> events = new ArrayList<>();
    for (String cohort : List.of("c1", "c0")) {
      int items = 40 + rnd.nextInt(40);
      for (int k = 0; k < items; k++) {
        String prompt = "p" + rnd.nextInt(1000) + "-" + k; // unique; string order != number order
        long close = 10L * rnd.nextInt(30);
        int n = 1 + rnd.nextInt(6);
        String[] ids = SpecialistsUpdateTest.randomSubset(rnd, 12, n);
        double[] reports = new double[n];
        for (int i = 0; i < n; i++) {
          reports[i] = rnd.nextBoolean() ? rnd.nextInt(5) / 4.0 : rnd.nextDouble();
        }
        ItemEvent e =
            ItemEvent.close(cohort, prompt, "a", "b", close,
                rnd.nextBoolean() ? CloseReason.COMPLETE : CloseReason.TIMEOUT, ids, reports);
        double y = rnd.nextInt(3) == 0 ? rnd.nextDouble() : rnd.nextInt(2);
        int fate = rnd.nextInt(10);
        if (fate < 3) {
          e.withHeldOutcome(y);
        } else if (fate < 8) {
          // Revealed later on the same grid; sometimes after the outcome timeout (unmatched).
          events.add(ItemEvent.outcome(cohort, prompt, close + 10L * (1 + rnd.nextInt(15)), y));
        } // else: never revealed, expires.
        events.add(e);
      }
      for (int k = 0; k < 3; k++) {
        events.add(ItemEvent.outcome(cohort, "never-closed-" + k, 10L * rnd.nextInt(30), 1.0));
      }
    }
    return events;
  }

  // ---------------------------------------------------------------------------------------------
  // The apply order at equal times, against a hand computation.
  // ---------------------------------------------------------------------------------------------

  @Test
  void atEqualTimesAnOutcomeAppliesBeforeAClose() {
    double eta = 0.5;
    // p1 closes at 10 (a says 1, b says 0) and is revealed y = 1 at 20; p2 closes at 20 with the
    // same reports. The outcome comes first, so p2 already sees a's weight ahead of b's:
    // D(a) = Z/eta, D(b) = 1 + Z/eta, so w(a)/w(b) = e^eta and p2 = 1 / (1 + e^-eta).
    List<ItemEvent> events = new ArrayList<>();
    events.add(close("p2", 20, new String[] {"a", "b"}, new double[] {1, 0}));
    events.add(ItemEvent.outcome("c", "p1", 20, 1.0));
    events.add(close("p1", 10, new String[] {"a", "b"}, new double[] {1, 0}));
    Reference.Result r = new Reference(MechanismConfig.defaults().withEta(eta)).run(events);
    Map<String, AggregatedPreference> byPrompt = byPrompt(r);
    assertThat(byPrompt.get("p1").getPreference()).isEqualTo(0.5);
    assertThat(byPrompt.get("p2").getPreference())
        .as("p2 closes after p1's outcome at the same time")
        .isCloseTo(1.0 / (1.0 + Math.exp(-eta)), within(1e-15));
    assertThat(r.unmatchedOutcomes).isEmpty();
  }

  @Test
  void atEqualTimesClosesApplyInAscendingPromptIdOrder() {
    double eta = 0.5;
    // Two items close at 30 with held outcomes. "p10" < "p9" as strings: p10 goes first and sees
    // equal weights (p = 0.5); its outcome y = 1 (a right, b wrong) moves the weights, so p9,
    // where a says 0 and b says 1, gets p = w(b) / (w(a) + w(b)) = 1 / (1 + e^eta).
    ItemEvent p9 = close("p9", 30, new String[] {"a", "b"}, new double[] {0, 1}).withHeldOutcome(1.0);
    ItemEvent p10 = close("p10", 30, new String[] {"a", "b"}, new double[] {1, 0}).withHeldOutcome(1.0);
    for (List<ItemEvent> order : List.of(List.of(p9, p10), List.of(p10, p9))) {
      Reference.Result r = new Reference(MechanismConfig.defaults().withEta(eta)).run(order);
      Map<String, AggregatedPreference> byPrompt = byPrompt(r);
      assertThat(byPrompt.get("p10").getPreference()).as("input order %s", order).isEqualTo(0.5);
      assertThat(byPrompt.get("p10").getSequence()).as("input order %s", order).isEqualTo(1L);
      assertThat(byPrompt.get("p9").getPreference()).as("input order %s", order)
          .isCloseTo(1.0 / (1.0 + Math.exp(eta)), within(1e-15));
      assertThat(byPrompt.get("p9").getSequence()).as("input order %s", order).isEqualTo(2L);
    }
  }

  @Test
  void outcomesAtEqualTimesUpdateWithTheirCloseWeightsWhateverTheInputOrder() {
    // Two pending items revealed at the same time: each update adds to D of the same labelers.
    // Floating-point addition is not associative, so the order must be fixed: "q10" then "q9".
    // Hand computation of D(a) in that order, from the log-weights at close (all zero).
    double eta = 0.5;
    double[] r10 = {0.3, 0.9};
    double[] r9 = {0.7, 0.2};
    double y10 = 0.61;
    double y9 = 0.13;
    List<ItemEvent> events = new ArrayList<>();
    events.add(ItemEvent.outcome("c", "q9", 50, y9));
    events.add(ItemEvent.outcome("c", "q10", 50, y10));
    events.add(close("q9", 40, new String[] {"a", "b"}, r9));
    events.add(close("q10", 40, new String[] {"a", "b"}, r10));
    double z10 = z(eta, r10, y10);
    double z9 = z(eta, r9, y9);
    double dA = 0.0;
    dA += sq(r10[0] - y10) + z10 / eta;
    dA += sq(r9[0] - y9) + z9 / eta;
    Long firstBits = null;
    for (List<ItemEvent> order : List.of(events, reversed(events))) {
      Reference.Result r = new Reference(MechanismConfig.defaults().withEta(eta)).run(order);
      LabelerState a = r.stores.get("c").labeler("a");
      assertThat(a.specialistLoss).as("D(a), input order %s", order).isCloseTo(dA, within(1e-15));
      assertThat(a.rounds).isEqualTo(2);
      long bits = Double.doubleToRawLongBits(a.specialistLoss);
      if (firstBits == null) {
        firstBits = bits;
      }
      assertThat(bits).as("D(a) bits, input order %s", order).isEqualTo(firstBits);
    }
  }

  private static double z(double eta, double[] r, double y) {
    // All log-weights zero at close: Z = log(mean of exp(-eta l)).
    double s = 0;
    for (double v : r) {
      s += Math.exp(-eta * sq(v - y));
    }
    return Math.log(s / r.length);
  }

  private static double sq(double v) {
    return v * v;
  }

  private static <T> List<T> reversed(List<T> in) {
    List<T> out = new ArrayList<>(in);
    Collections.reverse(out);
    return out;
  }

  private static ItemEvent close(String prompt, long time, String[] ids, double[] reports) {
    return ItemEvent.close("c", prompt, "a", "b", time, CloseReason.COMPLETE, ids, reports);
  }

  private static Map<String, AggregatedPreference> byPrompt(Reference.Result r) {
    Map<String, AggregatedPreference> m = new TreeMap<>();
    for (AggregatedPreference a : r.aggregated) {
      m.put(a.getPromptId(), a);
    }
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // PipelineReference: shuffled raw reports and outcomes.
  // ---------------------------------------------------------------------------------------------

  private static final ItemPolicy POLICY = new ItemPolicy(3, 40, 120);

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
  void pipelineOutputDoesNotDependOnTheOrderOfRawEvents(long seed) {
    List<ReportEvent> reports = new ArrayList<>();
    List<OutcomeEvent> outcomes = new ArrayList<>();
    randomRawEvents(new Random(seed), reports, outcomes);
    PipelineReference.Result expected = new PipelineReference(POLICY, CONFIG).run(reports, outcomes);

    Set<DeadLetterReason> reasons = EnumSet.noneOf(DeadLetterReason.class);
    expected.rejections.forEach(x -> reasons.add(x.reason()));
    assertThat(reasons).as("seed %d: the generator exercises every rejection", seed)
        .contains(DeadLetterReason.LATE, DeadLetterReason.AFTER_REVEAL, DeadLetterReason.DUPLICATE,
            DeadLetterReason.NO_ITEM);
    assertThat(expected.itemEvents.stream().filter(e -> e.closeReason == CloseReason.TIMEOUT))
        .as("seed %d: some timeouts", seed).isNotEmpty();
    assertThat(expected.itemEvents.stream().filter(e -> e.kind == ItemEvent.Kind.OUTCOME))
        .as("seed %d: some outcomes after close", seed).isNotEmpty();
    assertThat(expected.itemEvents.stream().filter(e -> e.kind == ItemEvent.Kind.CLOSE && e.hasOutcome))
        .as("seed %d: some held outcomes", seed).isNotEmpty();

    for (int shuffle = 0; shuffle < 5; shuffle++) {
      Random rnd = new Random(seed * 1000 + shuffle);
      List<ReportEvent> r = new ArrayList<>(reports);
      List<OutcomeEvent> o = new ArrayList<>(outcomes);
      Collections.shuffle(r, rnd);
      Collections.shuffle(o, rnd);
      assertSamePipelineOutput("seed " + seed + " shuffle " + shuffle, expected,
          new PipelineReference(POLICY, CONFIG).run(r, o));
    }
  }

  @Test
  void reportsOfOneItemAtOneTimeAreTakenByLabelerIdWhateverTheirArrivalOrder() {
    // Five labelers report at the same time on an item that closes at three labels: the three
    // smallest labeler ids are accepted (ReportEvent.ORDER), the other two are LATE.
    String[] labelers = {"u3", "u1", "u4", "u0", "u2"};
    double[] prefs = {0.3, 0.1, 0.4, 0.0, 0.2};
    List<ReportEvent> base = new ArrayList<>();
    for (int i = 0; i < labelers.length; i++) {
      base.add(report("c", "item", labelers[i], "r" + i, prefs[i], 100, null, i));
    }
    base.add(report("c", "item", "u9", "r9", 0.9, 90, null, 9)); // the first report, earlier
    List<OutcomeEvent> outcomes = List.of(outcome("c", "item", 1.0, 130, 0));
    PipelineReference.Result expected = null;
    long seed = 77;
    Random rnd = new Random(seed);
    for (int perm = 0; perm < 20; perm++) {
      List<ReportEvent> copy = new ArrayList<>(base);
      Collections.shuffle(copy, rnd);
      String ctx = "seed " + seed + " permutation " + perm;
      PipelineReference.Result result = new PipelineReference(POLICY, CONFIG).run(copy, outcomes);
      ItemEvent close = result.itemEvents.get(0);
      assertThat(close.labelerIds).as("%s: %s", ctx, copy).containsExactly("u0", "u1", "u9");
      assertThat(close.reports).as(ctx).containsExactly(0.0, 0.1, 0.9);
      assertThat(close.time).as(ctx).isEqualTo(100L);
      assertThat(close.closeReason).as(ctx).isEqualTo(CloseReason.COMPLETE);
      assertThat(result.rejections).as(ctx)
          .extracting(x -> ((ReportEvent) x.record()).report.getLabelerId())
          .containsExactly("u2", "u3", "u4");
      assertThat(result.rejections).as(ctx).extracting(PipelineReference.Rejection::reason)
          .containsOnly(DeadLetterReason.LATE);
      if (expected == null) {
        expected = result;
      } else {
        assertSamePipelineOutput(ctx, expected, result);
      }
    }
  }

  @Test
  void reportsOfOneItemAtDifferentTimesGiveTheSameItemWhateverTheirArrivalOrder() {
    // Reports at distinct times, including a labeler's second report (DUPLICATE), in every
    // arrival order: same close, same rejections.
    List<ReportEvent> base = new ArrayList<>();
    base.add(report("c", "x", "b", "r1", 0.8, 5, 4, 1));
    base.add(report("c", "x", "a", "r2", 0.2, 7, null, 2));
    base.add(report("c", "x", "b", "r3", 0.1, 8, null, 3)); // b again: DUPLICATE
    base.add(report("c", "x", "c", "r4", 0.6, 9, null, 4));
    base.add(report("c", "x", "d", "r5", 0.9, 12, null, 5)); // fourth label: closes (expected 4)
    base.add(report("c", "x", "e", "r6", 0.9, 13, null, 6)); // LATE
    PipelineReference.Result expected = null;
    List<List<ReportEvent>> perms = new ArrayList<>();
    permutations(base, 0, perms);
    for (List<ReportEvent> perm : perms) {
      PipelineReference.Result result = new PipelineReference(POLICY, CONFIG).run(perm, List.of());
      if (expected == null) {
        expected = result;
        ItemEvent close = result.itemEvents.get(0);
        assertThat(close.labelerIds).containsExactly("a", "b", "c", "d");
        assertThat(close.reports).containsExactly(0.2, 0.8, 0.6, 0.9);
        assertThat(close.time).isEqualTo(12L);
        assertThat(result.rejections).extracting(PipelineReference.Rejection::reason)
            .containsExactly(DeadLetterReason.DUPLICATE, DeadLetterReason.LATE);
      } else {
        assertSamePipelineOutput("arrival order " + perm, expected, result);
      }
    }
    assertThat(perms).hasSize(720);
  }

  private static <T> void permutations(List<T> items, int k, List<List<T>> out) {
    if (k == items.size()) {
      out.add(new ArrayList<>(items));
      return;
    }
    for (int i = k; i < items.size(); i++) {
      Collections.swap(items, k, i);
      permutations(items, k + 1, out);
      Collections.swap(items, k, i);
    }
  }

  private static void assertSamePipelineOutput(
      String ctx, PipelineReference.Result expected, PipelineReference.Result actual) {
    assertThat(actual.itemEvents).as("%s: item events", ctx).isEqualTo(expected.itemEvents);
    assertThat(itemEventBits(actual.itemEvents)).as("%s: item event bits", ctx)
        .isEqualTo(itemEventBits(expected.itemEvents));
    assertThat(actual.rejections).as("%s: rejections", ctx).hasSameSizeAs(expected.rejections);
    for (int i = 0; i < expected.rejections.size(); i++) {
      PipelineReference.Rejection e = expected.rejections.get(i);
      PipelineReference.Rejection a = actual.rejections.get(i);
      assertThat(a.record()).as("%s: rejection %d", ctx, i).isSameAs(e.record());
      assertThat(a.reason()).as("%s: rejection %d", ctx, i).isEqualTo(e.reason());
      assertThat(a.message()).as("%s: rejection %d", ctx, i).isEqualTo(e.message());
    }
    Reference.Result em = expected.mechanism;
    Reference.Result am = actual.mechanism;
    assertThat(am.aggregated).as("%s: aggregated", ctx).isEqualTo(em.aggregated);
    assertThat(am.regret).as("%s: regret", ctx).isEqualTo(em.regret);
    assertThat(am.weights).as("%s: weights", ctx).isEqualTo(em.weights);
    assertThat(am.unmatchedOutcomes).as("%s: unmatched", ctx).isEqualTo(em.unmatchedOutcomes);
    assertThat(bitsOf(am)).as("%s: every double, bit for bit", ctx).isEqualTo(bitsOf(em));
  }

  /**
   * Raw reports and outcomes on a coarse time grid (many ties): items with 1..6 reporters,
   * expected labels from the report or the default, second reports of a labeler (same time or
   * later), reports after the close, outcomes before any report, during collection (held, later
   * reports AFTER_REVEAL), after the close, twice (equal or conflicting), and very late.
   */
  static void randomRawEvents(Random rnd, List<ReportEvent> reports, List<OutcomeEvent> outcomes) {
    long offset = 0;
    for (String cohort : List.of("c1", "c0")) {
      int items = 40 + rnd.nextInt(30);
      for (int k = 0; k < items; k++) {
        String prompt = "p" + rnd.nextInt(1000) + "-" + k;
        long t0 = 5L * rnd.nextInt(80);
        Integer expected = rnd.nextInt(3) == 0 ? Integer.valueOf(2 + rnd.nextInt(4)) : null;
        int n = 1 + rnd.nextInt(6);
        String[] ids = SpecialistsUpdateTest.randomSubset(rnd, 10, n);
        for (int i = 0; i < n; i++) {
          long t = i == 0 ? t0 : t0 + 5L * rnd.nextInt(12);
          double pref = rnd.nextBoolean() ? rnd.nextInt(5) / 4.0 : rnd.nextDouble();
          reports.add(report(cohort, prompt, ids[i], "r" + offset, pref, t, i == 0 ? expected : null,
              offset++));
          if (rnd.nextInt(8) == 0) { // a second report of the same labeler
            long t2 = rnd.nextBoolean() ? t : t + 5L * rnd.nextInt(4);
            reports.add(report(cohort, prompt, ids[i], "r" + offset, rnd.nextDouble(), t2, null,
                offset++));
          }
        }
        if (rnd.nextInt(5) == 0) { // a report long after
          reports.add(report(cohort, prompt, "late", "r" + offset, 0.5, t0 + 100, null, offset++));
        }
        int fate = rnd.nextInt(10);
        double y = rnd.nextInt(3) == 0 ? rnd.nextDouble() : rnd.nextInt(2);
        if (fate < 7) {
          long reveal = t0 + 5L * (rnd.nextInt(30) - 2); // sometimes before the first report
          outcomes.add(outcome(cohort, prompt, y, reveal, offset++));
          if (rnd.nextInt(6) == 0) { // a second outcome, same or other value, same or later time
            double y2 = rnd.nextBoolean() ? y : 1.0 - y;
            outcomes.add(outcome(cohort, prompt, y2, reveal + 5L * rnd.nextInt(3), offset++));
          }
        } else if (fate == 7) {
          outcomes.add(outcome(cohort, prompt, y, t0 + 300, offset++)); // very late
        }
      }
    }
  }

  static ReportEvent report(
      String cohort, String prompt, String labeler, String reportId, double pref, long time,
      Integer expected, long offset) {
    LabelerReport r =
        LabelerReport.newBuilder()
            .setReportId(reportId)
            .setCohort(cohort)
            .setPromptId(prompt)
            .setResponseAId("ra-" + prompt)
            .setResponseBId("rb-" + prompt)
            .setLabelerId(labeler)
            .setPreference(pref)
            .setExpectedLabels(expected)
            .setEventTime(time)
            .build();
    return new ReportEvent(r, "feedback.reports", (int) (offset % 3), offset);
  }

  static OutcomeEvent outcome(String cohort, String prompt, double y, long time, long offset) {
    PreferenceOutcome o =
        PreferenceOutcome.newBuilder()
            .setCohort(cohort)
            .setPromptId(prompt)
            .setOutcome(y)
            .setSource(OutcomeSource.GOLD)
            .setEventTime(time)
            .build();
    return new OutcomeEvent(o, "feedback.outcomes", (int) (offset % 2), offset);
  }

  // ---------------------------------------------------------------------------------------------
  // Bits.
  // ---------------------------------------------------------------------------------------------

  /** Every value of every emitted record, doubles as their raw bits, in emission order. */
  static List<String> bitsOf(Reference.Result r) {
    List<String> out = new ArrayList<>();
    r.aggregated.forEach(x -> flatten("aggregated", x, out));
    r.regret.forEach(x -> flatten("regret", x, out));
    r.weights.forEach(x -> flatten("weight", x, out));
    out.addAll(itemEventBits(r.unmatchedOutcomes));
    for (Map.Entry<String, InMemoryCohortStore> c : r.stores.entrySet()) {
      new TreeMap<>(c.getValue().labelers()).forEach((id, s) -> out.add("state " + c.getKey() + "/"
          + id + " D=" + raw(s.specialistLoss) + " n=" + s.rounds + " L=" + raw(s.loss)
          + " R=" + raw(s.specialistRegret)));
    }
    return out;
  }

  static List<String> itemEventBits(List<ItemEvent> events) {
    List<String> out = new ArrayList<>();
    for (ItemEvent e : events) {
      StringBuilder sb = new StringBuilder(e.toString());
      sb.append(" y=").append(raw(e.outcome));
      if (e.reports != null) {
        for (double v : e.reports) {
          sb.append(' ').append(raw(v));
        }
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static void flatten(String path, Object v, List<String> out) {
    if (v instanceof IndexedRecord rec) {
      for (Schema.Field f : rec.getSchema().getFields()) {
        flatten(path + "." + f.name(), rec.get(f.pos()), out);
      }
    } else if (v instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        flatten(path + "[" + i + "]", list.get(i), out);
      }
    } else if (v instanceof Double d) {
      out.add(path + "=" + raw(d));
    } else {
      out.add(path + "=" + v);
    }
  }

  private static String raw(double d) {
    return Long.toHexString(Double.doubleToRawLongBits(d));
  }
}
