package dev.feedbackagg.it;

import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Seeded records that no job may use, each with the dead-letter reason the job must give it: bytes
 * that are not Avro single-object encoding, cut or empty bodies, tombstones, JSON on an Avro topic,
 * unknown fingerprints, records of another schema or of the other topic, values out of range, empty
 * ids, expected_labels below 1, negative event times. Each is made from a good record of the input
 * (so its key and fields look real), then broken in one way.
 */
final class PoisonPills {
    static final SingleObjectCodec<RegretMetrics> REGRET = SingleObjectCodec.of(RegretMetrics.class);
    static final SingleObjectCodec<LabelerWeight> WEIGHT = SingleObjectCodec.of(LabelerWeight.class);

    /** A bad record: its topic (reports or outcomes), key, value and the reason it must be rejected for. */
    record Pill(boolean reportsTopic, byte[] key, byte[] value, DeadLetterReason reason, String kind) {}

    private final Random rnd;

    PoisonPills(long seed) {
        this.rnd = new Random(seed);
    }

    /** One bad record made from a random good report and outcome of the input. */
    Pill next(LabelerReport report, PreferenceOutcome outcome) {
        LabelerReport r = LabelerReport.newBuilder(report).build();
        PreferenceOutcome o = PreferenceOutcome.newBuilder(outcome).build();
        byte[] reportKey = key(r.getPromptId().toString());
        byte[] outcomeKey = key(o.getPromptId().toString());
        switch (rnd.nextInt(22)) {
            case 0: return new Pill(true, reportKey, junk(), DeadLetterReason.MALFORMED, "random bytes");
            case 1: return new Pill(false, outcomeKey, junk(), DeadLetterReason.MALFORMED, "random bytes");
            case 2: return new Pill(true, reportKey, new byte[0], DeadLetterReason.MALFORMED, "empty value");
            case 3: return new Pill(rnd.nextBoolean(), reportKey, null, DeadLetterReason.MALFORMED, "tombstone");
            case 4: {
                byte[] full = SimulatedInput.REPORT.encode(r);
                return new Pill(true, reportKey, Arrays.copyOf(full, 11 + rnd.nextInt(full.length - 11)),
                        DeadLetterReason.MALFORMED, "truncated body");
            }
            case 5: {
                byte[] full = SimulatedInput.OUTCOME.encode(o);
                return new Pill(false, outcomeKey, Arrays.copyOf(full, 10 + rnd.nextInt(full.length - 12)),
                        DeadLetterReason.MALFORMED, "truncated body");
            }
            case 6: // the single-object header of a report and nothing else
                return new Pill(true, reportKey, Arrays.copyOf(SimulatedInput.REPORT.encode(r), 10),
                        DeadLetterReason.MALFORMED, "header only");
            case 7: {
                String json = "{\"report_id\":\"" + r.getReportId() + "\",\"cohort\":\"" + r.getCohort()
                        + "\",\"prompt_id\":\"" + r.getPromptId() + "\",\"preference\":" + r.getPreference() + "}";
                return new Pill(true, reportKey, json.getBytes(StandardCharsets.UTF_8), DeadLetterReason.MALFORMED,
                        "JSON on an Avro topic");
            }
            case 8: {
                byte[] v = SimulatedInput.REPORT.encode(r);
                ByteBuffer.wrap(v, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(rnd.nextLong() | 1L);
                return new Pill(true, reportKey, v, DeadLetterReason.UNKNOWN_SCHEMA, "unknown fingerprint");
            }
            case 9: {
                byte[] v = SimulatedInput.OUTCOME.encode(o);
                ByteBuffer.wrap(v, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(rnd.nextLong() | 1L);
                return new Pill(false, outcomeKey, v, DeadLetterReason.UNKNOWN_SCHEMA, "unknown fingerprint");
            }
            case 10: {
                RegretMetrics other = RegretMetrics.newBuilder().setCohort(r.getCohort()).setSnapshotTime(0)
                        .setEndOfInput(false).setRounds(0).setItemsClosed(0).setItemsExpired(0).setLossMechanism(0)
                        .setLossMean(0).setLossMedian(0).setLossMajority(0).setLabelers(0)
                        .setMeanEffectiveLabelers(0).build();
                return new Pill(rnd.nextBoolean(), reportKey, REGRET.encode(other), DeadLetterReason.UNKNOWN_SCHEMA,
                        "another schema");
            }
            case 11:
                return new Pill(true, outcomeKey, SimulatedInput.OUTCOME.encode(o), DeadLetterReason.UNKNOWN_SCHEMA,
                        "outcome on the reports topic");
            case 12:
                return new Pill(false, reportKey, SimulatedInput.REPORT.encode(r), DeadLetterReason.UNKNOWN_SCHEMA,
                        "report on the outcomes topic");
            case 13: {
                double[] bad = {1.5, -0.25, 1.0000001, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
                r.setPreference(bad[rnd.nextInt(bad.length)]);
                return report(reportKey, r, "preference out of range");
            }
            case 14: {
                emptyId(r);
                return report(reportKey, r, "empty id");
            }
            case 15: {
                r.setExpectedLabels(-rnd.nextInt(3));
                return report(reportKey, r, "expected_labels < 1");
            }
            case 16: {
                r.setEventTime(-1 - rnd.nextInt(1_000_000));
                return report(reportKey, r, "negative event time");
            }
            case 17: {
                double[] bad = {1.01, -0.5, Double.NaN, Double.POSITIVE_INFINITY};
                o.setOutcome(bad[rnd.nextInt(bad.length)]);
                return outcome(outcomeKey, o, "outcome out of range");
            }
            case 18: {
                if (rnd.nextBoolean()) {
                    o.setCohort("");
                } else {
                    o.setPromptId("");
                }
                return outcome(outcomeKey, o, "empty id");
            }
            case 19: {
                o.setEventTime(-1 - rnd.nextInt(1_000_000));
                return outcome(outcomeKey, o, "negative event time");
            }
            case 20: { // a key that is no prompt id, a value that is no record
                byte[] k = rnd.nextBoolean() ? null : new byte[0];
                return new Pill(rnd.nextBoolean(), k, junk(), DeadLetterReason.MALFORMED, "random bytes, odd key");
            }
            default: {
                LabelerWeight w = LabelerWeight.newBuilder().setCohort(r.getCohort()).setLabelerId(r.getLabelerId())
                        .setSnapshotTime(r.getEventTime()).setLogWeight(0).setSpecialistLoss(0).setRounds(0).setLoss(0)
                        .setSpecialistRegret(0).build();
                return new Pill(rnd.nextBoolean(), reportKey, WEIGHT.encode(w), DeadLetterReason.UNKNOWN_SCHEMA,
                        "an output record fed back");
            }
        }
    }

    private Pill report(byte[] key, LabelerReport r, String kind) {
        return new Pill(true, key, SimulatedInput.REPORT.encode(r), DeadLetterReason.OUT_OF_RANGE, kind);
    }

    private Pill outcome(byte[] key, PreferenceOutcome o, String kind) {
        return new Pill(false, key, SimulatedInput.OUTCOME.encode(o), DeadLetterReason.OUT_OF_RANGE, kind);
    }

    private void emptyId(LabelerReport r) {
        List<Consumer<LabelerReport>> setters = new ArrayList<>(List.of(
                x -> x.setReportId(""), x -> x.setCohort(""), x -> x.setPromptId(""), x -> x.setResponseAId(""),
                x -> x.setResponseBId(""), x -> x.setLabelerId("")));
        setters.get(rnd.nextInt(setters.size())).accept(r);
    }

    /** 1 to 40 random bytes that do not start with the single-object marker C3 01. */
    private byte[] junk() {
        byte[] b = new byte[1 + rnd.nextInt(40)];
        rnd.nextBytes(b);
        if (b[0] == SingleObjectCodec.MARKER_0) {
            b[0] = 0x7b;
        }
        return b;
    }

    private static byte[] key(String promptId) {
        return promptId.getBytes(StandardCharsets.UTF_8);
    }
}
