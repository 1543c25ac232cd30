package dev.feedbackagg.job;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A seeded random log of raw Kafka records on the reports and outcomes topics, in arrival order:
 * several cohorts, partial participation, items that complete and items that time out, outcomes
 * before the close, after it, too late and never, duplicate and conflicting outcomes, outcomes
 * before any report, duplicate and late reports, and undecodable or invalid records. Arrival is
 * out of event-time order by less than {@link #JITTER_MS}, within the watermark bound.
 */
final class RandomEventLog {
  static final String REPORTS = "feedback.reports";
  static final String OUTCOMES = "feedback.outcomes";
  static final int DEFAULT_EXPECTED = 3;
  static final long ITEM_TIMEOUT_MS = 1_000;
  static final long OUTCOME_TIMEOUT_MS = 3_000;
  static final long METRICS_INTERVAL_MS = 700;
  static final long JITTER_MS = 100;
  static final long MAX_OUT_OF_ORDERNESS_MS = 2 * JITTER_MS;
  static final int PARTITIONS = 2;

  private static final SingleObjectCodec<LabelerReport> REPORT = SingleObjectCodec.of(LabelerReport.class);
  private static final SingleObjectCodec<PreferenceOutcome> OUTCOME =
      SingleObjectCodec.of(PreferenceOutcome.class);
  private static final SingleObjectCodec<RegretMetrics> REGRET = SingleObjectCodec.of(RegretMetrics.class);

  final long seed;
  final List<ConsumerRecord<byte[], byte[]>> reports = new ArrayList<>();
  final List<ConsumerRecord<byte[], byte[]>> outcomes = new ArrayList<>();

  private record Pending(String topic, String key, byte[] value, long time, double arrival) {}

  private final Random rnd;
  private final List<Pending> pending = new ArrayList<>();
  private int reportSeq;

  RandomEventLog(long seed) {
    this.seed = seed;
    this.rnd = new Random(seed);
    generate();
    arrange();
  }

  private void generate() {
    int cohorts = 1 + rnd.nextInt(3);
    long base = 1_700_000_000_000L + rnd.nextInt(1000);
    for (int c = 0; c < cohorts; c++) {
      String cohort = "cohort-" + c;
      int labelers = 4 + rnd.nextInt(9);
      double[] accuracy = new double[labelers];
      for (int i = 0; i < labelers; i++) {
        accuracy[i] = 0.3 + 0.65 * rnd.nextDouble();
      }
      int items = 15 + rnd.nextInt(26);
      long t = base + rnd.nextInt(300);
      for (int j = 0; j < items; j++) {
        t += 50 + rnd.nextInt(450);
        item(cohort, "p-" + c + "-" + j, t, labelers, accuracy);
      }
    }
  }

  private void item(String cohort, String prompt, long start, int labelers, double[] accuracy) {
    boolean explicit = rnd.nextDouble() < 0.3;
    int k = explicit ? 2 + rnd.nextInt(Math.min(labelers, 5) - 1) : DEFAULT_EXPECTED;
    k = Math.min(k, labelers);
    double truth = rnd.nextDouble() < 0.5 ? 1.0 : 0.0;
    double y = rnd.nextDouble() < 0.85 ? truth : rnd.nextInt(5) / 4.0;

    // Early outcome: before any report.
    boolean early = rnd.nextDouble() < 0.03;
    if (early) {
      outcome(cohort, prompt, y, start - 1 - rnd.nextInt(50));
    }

    int sent = k;
    double shape = rnd.nextDouble();
    if (shape < 0.15) {
      sent = Math.max(1, k - 1 - rnd.nextInt(k)); // too few: times out
    }
    int[] who = pickDistinct(labelers, Math.min(labelers, sent + 1));
    long[] times = new long[sent];
    for (int i = 0; i < sent; i++) {
      times[i] = start + (i == 0 ? 0 : rnd.nextInt((int) (ITEM_TIMEOUT_MS * 3 / 4)));
    }
    java.util.Arrays.sort(times);
    long lastTime = times[sent - 1];
    for (int i = 0; i < sent; i++) {
      int l = who[i];
      double pref = rnd.nextDouble() < accuracy[l] ? truth : 1.0 - truth;
      if (rnd.nextDouble() < 0.2) {
        pref = rnd.nextInt(5) / 4.0;
      }
      report(cohort, prompt, l, pref, times[i], explicit ? k : null);
      if (rnd.nextDouble() < 0.05) { // the same labeler again: DUPLICATE
        report(cohort, prompt, l, 1.0 - pref, times[i] + rnd.nextInt(3), explicit ? k : null);
      }
    }
    if (shape > 0.9 && sent == k && who.length > sent) { // one more after the close: LATE
      report(cohort, prompt, who[sent], rnd.nextDouble(), lastTime + 1 + rnd.nextInt(100), explicit ? k : null);
    }
    if (rnd.nextDouble() < 0.03) { // an invalid report
      LabelerReport bad = newReport(cohort, prompt, who[0], rnd.nextBoolean() ? 1.5 : Double.NaN, start + 5, null);
      if (rnd.nextBoolean()) {
        bad.setPreference(0.5);
        bad.setLabelerId("");
      }
      pending.add(new Pending(REPORTS, prompt, REPORT.encode(bad), start + 5, start + 5));
    }
    if (rnd.nextDouble() < 0.02) { // undecodable bytes, and a record of another schema
      byte[] junk = new byte[5 + rnd.nextInt(20)];
      rnd.nextBytes(junk);
      pending.add(new Pending(REPORTS, prompt, junk, start + 7, start + 7));
      RegretMetrics other = RegretMetrics.newBuilder().setCohort(cohort).setSnapshotTime(0)
          .setEndOfInput(false).setRounds(0).setItemsClosed(0).setItemsExpired(0)
          .setLossMechanism(0).setLossMean(0).setLossMedian(0).setLossMajority(0)
          .setLabelers(0).setMeanEffectiveLabelers(0).build();
      pending.add(new Pending(OUTCOMES, prompt, REGRET.encode(other), start + 8, start + 8));
    }

    if (early) {
      return;
    }
    double o = rnd.nextDouble();
    long reveal;
    if (o < 0.25) {
      return; // never revealed
    } else if (o < 0.4) {
      reveal = start + 1 + rnd.nextInt((int) ITEM_TIMEOUT_MS); // maybe before the close
    } else {
      reveal = lastTime + 1 + (long) (rnd.nextDouble() * OUTCOME_TIMEOUT_MS * 1.3);
    }
    outcome(cohort, prompt, y, reveal);
    double again = rnd.nextDouble();
    if (again < 0.05) {
      outcome(cohort, prompt, y, reveal + 1 + rnd.nextInt(200));
    } else if (again < 0.1) {
      outcome(cohort, prompt, 1.0 - y == y ? 0.0 : 1.0 - y, reveal + 1 + rnd.nextInt(200));
    }
  }

  private int[] pickDistinct(int n, int k) {
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    for (int i = 0; i < k; i++) {
      int j = i + rnd.nextInt(n - i);
      int tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    return java.util.Arrays.copyOf(perm, k);
  }

  private LabelerReport newReport(String cohort, String prompt, int labeler, double pref, long time, Integer expected) {
    return LabelerReport.newBuilder()
        .setReportId("r-" + (reportSeq++))
        .setCohort(cohort)
        .setPromptId(prompt)
        .setResponseAId(prompt + "-a")
        .setResponseBId(prompt + "-b")
        .setLabelerId(String.format("lab-%02d", labeler))
        .setPreference(pref)
        .setExpectedLabels(expected)
        .setEventTime(time)
        .build();
  }

  private void report(String cohort, String prompt, int labeler, double pref, long time, Integer expected) {
    LabelerReport r = newReport(cohort, prompt, labeler, pref, time, expected);
    pending.add(new Pending(REPORTS, prompt, REPORT.encode(r), time, time + rnd.nextDouble() * JITTER_MS));
  }

  private void outcome(String cohort, String prompt, double y, long time) {
    PreferenceOutcome o = PreferenceOutcome.newBuilder()
        .setCohort(cohort).setPromptId(prompt).setOutcome(y)
        .setSource(OutcomeSource.GOLD).setEventTime(time).build();
    pending.add(new Pending(OUTCOMES, prompt, OUTCOME.encode(o), time, time + rnd.nextDouble() * JITTER_MS));
  }

  /** Arrival order: event time plus a jitter below the bound; offsets per partition. */
  private void arrange() {
    pending.sort(Comparator.comparingDouble(Pending::arrival));
    long[][] offsets = new long[2][PARTITIONS];
    for (Pending p : pending) {
      int topic = p.topic.equals(REPORTS) ? 0 : 1;
      int partition = Math.floorMod(p.key.hashCode(), PARTITIONS);
      ConsumerRecord<byte[], byte[]> rec =
          new ConsumerRecord<>(p.topic, partition, offsets[topic][partition]++,
              p.key.getBytes(StandardCharsets.UTF_8), p.value);
      (topic == 0 ? reports : outcomes).add(rec);
    }
  }
}
