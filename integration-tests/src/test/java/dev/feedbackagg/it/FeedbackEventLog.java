package dev.feedbackagg.it;

import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A seeded log of raw records for the reports and outcomes topics, in arrival order (the order
 * to produce them in). Several cohorts that share prompt ids (so items are told apart by cohort),
 * labelers of different accuracy who label only some items, items that complete (by the default
 * or an explicit expected_labels) and items that time out, duplicate and late reports, outcomes
 * that come before any report, before the close, after it, after the outcome timeout, twice (equal
 * or conflicting) or never; plus bad records whose dead-letter reason is known in advance
 * (undecodable bytes, truncated bodies, tombstones, unknown fingerprints, records of another
 * schema, values out of range).
 *
 * <p>Arrival is event time plus a jitter below {@link #JITTER_MS}, so a record's event time is
 * never more than the jitter behind any record produced before it: with a watermark bound above
 * the jitter, the job's periodic watermarks never make a record late.
 */
final class FeedbackEventLog {
    static final int DEFAULT_EXPECTED = 3;
    static final long ITEM_TIMEOUT_MS = 1_500;
    static final long OUTCOME_TIMEOUT_MS = 4_000;
    static final long METRICS_INTERVAL_MS = 5_000;
    static final long JITTER_MS = 100;
    static final long MIN_ROUNDS = 3;

    private static final SingleObjectCodec<LabelerReport> REPORT = SingleObjectCodec.of(LabelerReport.class);
    private static final SingleObjectCodec<PreferenceOutcome> OUTCOME = SingleObjectCodec.of(PreferenceOutcome.class);
    private static final SingleObjectCodec<RegretMetrics> REGRET = SingleObjectCodec.of(RegretMetrics.class);
    private static final OutcomeSource[] SOURCES = OutcomeSource.values();

    /** One record to produce; {@code reason} is the dead-letter reason of a bad record, else null. */
    record Entry(boolean report, String key, byte[] value, double arrival, DeadLetterReason reason) {}

    final long seed;
    final List<Entry> entries = new ArrayList<>();
    int goodReports;
    int goodOutcomes;
    int badRecords;

    private final Random rnd;
    private int reportSeq;

    FeedbackEventLog(long seed, int cohorts, int itemsPerCohort) {
        this.seed = seed;
        this.rnd = new Random(seed);
        long base = 1_700_000_000_000L + rnd.nextInt(10_000);
        for (int c = 0; c < cohorts; c++) {
            cohort("cohort-" + c, base + rnd.nextInt(1_000), itemsPerCohort);
        }
        entries.sort(Comparator.comparingDouble(Entry::arrival));
    }

    int reports() {
        return (int) entries.stream().filter(Entry::report).count();
    }

    int outcomes() {
        return entries.size() - reports();
    }

    private void cohort(String cohort, long start, int items) {
        int labelers = 5 + rnd.nextInt(8);
        double[] accuracy = new double[labelers];
        for (int i = 0; i < labelers; i++) {
            accuracy[i] = 0.35 + 0.6 * rnd.nextDouble();
        }
        long t = start;
        for (int j = 0; j < items; j++) {
            t += 80 + rnd.nextInt(500);
            item(cohort, String.format("prompt-%05d", j), t, labelers, accuracy);
        }
    }

    private void item(String cohort, String prompt, long start, int labelers, double[] accuracy) {
        boolean explicit = rnd.nextDouble() < 0.3;
        int expected = explicit ? 2 + rnd.nextInt(Math.min(labelers, 6) - 1) : DEFAULT_EXPECTED;
        Integer stated = explicit ? expected : null;
        double truth = rnd.nextBoolean() ? 1.0 : 0.0;
        double y = rnd.nextDouble() < 0.85 ? truth : rnd.nextInt(5) / 4.0;

        double shape = rnd.nextDouble();
        boolean early = shape < 0.03; // outcome before any report: NO_ITEM, then every report AFTER_REVEAL
        if (early) {
            outcome(cohort, prompt, y, start - 1 - rnd.nextInt(50));
        }
        int sent = shape >= 0.03 && shape < 0.15 ? 1 + rnd.nextInt(expected - 1) : expected; // too few: timeout
        int[] who = pickDistinct(labelers, Math.min(labelers, sent + 1));
        long[] times = new long[sent];
        for (int i = 1; i < sent; i++) {
            times[i] = rnd.nextInt((int) (ITEM_TIMEOUT_MS * 3 / 4));
        }
        Arrays.sort(times);
        for (int i = 0; i < sent; i++) {
            times[i] += start;
        }
        long last = times[sent - 1];
        for (int i = 0; i < sent; i++) {
            int l = who[i];
            double pref = rnd.nextDouble() < accuracy[l] ? truth : 1.0 - truth;
            if (rnd.nextDouble() < 0.25) {
                pref = rnd.nextInt(5) / 4.0;
            }
            report(cohort, prompt, l, pref, times[i], stated);
            if (rnd.nextDouble() < 0.05) { // the same labeler again, maybe changing its mind: DUPLICATE
                report(cohort, prompt, l, rnd.nextBoolean() ? pref : 1.0 - pref, times[i] + rnd.nextInt(3), stated);
            }
        }
        if (shape > 0.9 && sent == expected && who.length > sent) { // one more after the close: LATE
            report(cohort, prompt, who[sent], rnd.nextDouble(), last + 1 + rnd.nextInt(100), stated);
        }
        badRecords(cohort, prompt, who[0], start);

        if (early) {
            return;
        }
        double o = rnd.nextDouble();
        long reveal;
        if (o < 0.2) {
            return; // never revealed: the pending item expires
        } else if (o < 0.32) {
            reveal = start + 1 + rnd.nextInt((int) ITEM_TIMEOUT_MS); // maybe before the close
        } else if (o < 0.93) {
            reveal = last + 1 + (long) (rnd.nextDouble() * OUTCOME_TIMEOUT_MS * 0.9);
        } else {
            reveal = last + OUTCOME_TIMEOUT_MS + ITEM_TIMEOUT_MS + 1 + rnd.nextInt(2_000); // too late
        }
        outcome(cohort, prompt, y, reveal);
        double again = rnd.nextDouble();
        if (again < 0.04) {
            outcome(cohort, prompt, y, reveal + 1 + rnd.nextInt(300)); // DUPLICATE
        } else if (again < 0.08) {
            outcome(cohort, prompt, y >= 0.5 ? 0.0 : 1.0, reveal + 1 + rnd.nextInt(300)); // CONFLICTING_OUTCOME
        }
    }

    /** Now and then, records no job may use, each with the reason it must be rejected for. */
    private void badRecords(String cohort, String prompt, int labeler, long start) {
        if (rnd.nextDouble() > 0.06) {
            return;
        }
        long t = start + 3;
        LabelerReport r = newReport(cohort, prompt, labeler, 0.5, t, null);
        switch (rnd.nextInt(12)) {
            case 0 -> { // random bytes
                byte[] junk = new byte[1 + rnd.nextInt(30)];
                rnd.nextBytes(junk);
                bad(true, prompt, junk, t, DeadLetterReason.MALFORMED);
            }
            case 1 -> { // a report whose body is cut short
                byte[] full = REPORT.encode(r);
                bad(true, prompt, Arrays.copyOf(full, full.length - 1 - rnd.nextInt(4)), t, DeadLetterReason.MALFORMED);
            }
            case 2 -> bad(rnd.nextBoolean(), prompt, null, t, DeadLetterReason.MALFORMED); // tombstone
            case 3 -> { // single-object header with a fingerprint no schema has
                byte[] v = REPORT.encode(r);
                ByteBuffer.wrap(v, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(rnd.nextLong() | 1L);
                bad(true, prompt, v, t, DeadLetterReason.UNKNOWN_SCHEMA);
            }
            case 4 -> { // a known schema on the wrong topic
                RegretMetrics other = RegretMetrics.newBuilder().setCohort(cohort).setSnapshotTime(0)
                        .setEndOfInput(false).setRounds(0).setItemsClosed(0).setItemsExpired(0)
                        .setLossMechanism(0).setLossMean(0).setLossMedian(0).setLossMajority(0)
                        .setLabelers(0).setMeanEffectiveLabelers(0).build();
                bad(rnd.nextBoolean(), prompt, REGRET.encode(other), t, DeadLetterReason.UNKNOWN_SCHEMA);
            }
            case 5 -> bad(false, prompt, REPORT.encode(r), t, DeadLetterReason.UNKNOWN_SCHEMA); // report on outcomes
            case 6 -> {
                r.setPreference(rnd.nextBoolean() ? 1.5 : -0.25);
                bad(true, prompt, REPORT.encode(r), t, DeadLetterReason.OUT_OF_RANGE);
            }
            case 7 -> {
                r.setPreference(Double.NaN);
                bad(true, prompt, REPORT.encode(r), t, DeadLetterReason.OUT_OF_RANGE);
            }
            case 8 -> {
                r.setLabelerId("");
                bad(true, prompt, REPORT.encode(r), t, DeadLetterReason.OUT_OF_RANGE);
            }
            case 9 -> {
                r.setExpectedLabels(0);
                bad(true, prompt, REPORT.encode(r), t, DeadLetterReason.OUT_OF_RANGE);
            }
            case 10 -> {
                r.setEventTime(-1 - rnd.nextInt(1000));
                bad(true, prompt, REPORT.encode(r), t, DeadLetterReason.OUT_OF_RANGE);
            }
            default -> {
                PreferenceOutcome o = PreferenceOutcome.newBuilder().setCohort(cohort).setPromptId(prompt)
                        .setOutcome(rnd.nextBoolean() ? 1.01 : Double.POSITIVE_INFINITY)
                        .setSource(OutcomeSource.GOLD).setEventTime(t).build();
                bad(false, prompt, OUTCOME.encode(o), t, DeadLetterReason.OUT_OF_RANGE);
            }
        }
    }

    private void bad(boolean report, String key, byte[] value, long time, DeadLetterReason reason) {
        entries.add(new Entry(report, key, value, time + rnd.nextDouble() * JITTER_MS, reason));
        badRecords++;
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
        return Arrays.copyOf(perm, k);
    }

    private LabelerReport newReport(String cohort, String prompt, int labeler, double pref, long time, Integer expected) {
        return LabelerReport.newBuilder()
                .setReportId(String.format("%s-r%06d", cohort, reportSeq++))
                .setCohort(cohort)
                .setPromptId(prompt)
                .setResponseAId(prompt + "-a")
                .setResponseBId(prompt + "-b")
                .setLabelerId(String.format("labeler-%02d", labeler))
                .setPreference(pref)
                .setExpectedLabels(expected)
                .setEventTime(time)
                .build();
    }

    private void report(String cohort, String prompt, int labeler, double pref, long time, Integer expected) {
        LabelerReport r = newReport(cohort, prompt, labeler, pref, time, expected);
        entries.add(new Entry(true, prompt, REPORT.encode(r), time + rnd.nextDouble() * JITTER_MS, null));
        goodReports++;
    }

    private void outcome(String cohort, String prompt, double y, long time) {
        PreferenceOutcome o = PreferenceOutcome.newBuilder()
                .setCohort(cohort).setPromptId(prompt).setOutcome(y)
                .setSource(SOURCES[rnd.nextInt(SOURCES.length)]).setEventTime(time).build();
        entries.add(new Entry(false, prompt, OUTCOME.encode(o), time + rnd.nextDouble() * JITTER_MS, null));
        goodOutcomes++;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
