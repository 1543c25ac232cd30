package dev.feedbackagg.core.baseline;

import java.util.Arrays;
import java.util.Objects;

/**
 * Offline Dawid &amp; Skene (1979) expectation-maximisation for binary labels: two classes, a class
 * prior and one 2x2 confusion matrix per labeler. Gold values are never used.
 *
 * <p>Label values in [0, 1] other than 0/1 are treated as soft evidence: a value {@code x} counts
 * {@code x} toward "said 1" and {@code 1 - x} toward "said 0" in the M-step, and contributes the
 * likelihood {@code pi[j][c][1]^x * pi[j][c][0]^(1-x)} in the E-step. For 0/1 labels this is the
 * classic algorithm.
 *
 * <p>Initialisation is the majority vote (per-item mean label, so 0.5 on ties). Each iteration runs
 * an M-step (prior and confusion matrices from the current posteriors, with {@value #SMOOTHING}
 * pseudo-counts per cell so no probability is 0 or 1) followed by an E-step in the log domain, and
 * stops when no posterior changed by {@code tolerance} or more, or after {@code maxIterations}.
 *
 * <p>Deterministic: all loops run in index order and {@link StrictMath} is used, so the same input
 * gives bit-identical output on any JVM.
 */
public final class DawidSkene {

    public static final int DEFAULT_MAX_ITERATIONS = 100;
    public static final double DEFAULT_TOLERANCE = 1e-9;
    /** Additive pseudo-count per prior cell and per confusion-matrix cell. */
    public static final double SMOOTHING = 0.01;

    private DawidSkene() {
    }

    /** Posteriors with {@link #DEFAULT_MAX_ITERATIONS} and {@link #DEFAULT_TOLERANCE}. */
    public static double[] posteriors(CrowdLabels data) {
        return posteriors(data, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE);
    }

    /**
     * Runs EM and returns, for every item index of {@code data}, the posterior probability that its
     * true class is 1.
     *
     * @param maxIterations maximum number of M-step + E-step rounds; 0 returns the majority vote
     * @param tolerance stop once the largest absolute change of any posterior is below this
     */
    public static double[] posteriors(CrowdLabels data, int maxIterations, double tolerance) {
        Objects.requireNonNull(data, "data");
        if (maxIterations < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0, was " + maxIterations);
        }
        if (!(tolerance >= 0.0)) {
            throw new IllegalArgumentException("tolerance must be >= 0, was " + tolerance);
        }
        final int n = data.itemCount();
        final int m = data.labelerCount();
        final int labelCount = data.labelCount();

        // Flat copies for the inner loops.
        final int[] labelItem = new int[labelCount];
        final int[] labelLabeler = new int[labelCount];
        final double[] labelValue = new double[labelCount];
        for (int k = 0; k < labelCount; k++) {
            labelItem[k] = data.itemOfLabel(k);
            labelLabeler[k] = data.labelerOfLabel(k);
            labelValue[k] = data.labelValue(k);
        }
        final int[][] itemLabels = new int[n][];
        for (int i = 0; i < n; i++) {
            itemLabels[i] = data.labelIndexesOfItem(i);
        }

        final double[] t = majorityVote(data);
        // Per labeler j, cells [4j + 2c + l]: true class c, given label l.
        final double[] counts = new double[4 * m];
        final double[] logPi = new double[4 * m];

        for (int iteration = 0; iteration < maxIterations; iteration++) {
            // ---- M-step
            double sumT = 0.0;
            for (int i = 0; i < n; i++) {
                sumT += t[i];
            }
            final double priorDenominator = n + 2.0 * SMOOTHING;
            final double logPrior1 = StrictMath.log((sumT + SMOOTHING) / priorDenominator);
            final double logPrior0 = StrictMath.log((n - sumT + SMOOTHING) / priorDenominator);

            Arrays.fill(counts, SMOOTHING);
            for (int k = 0; k < labelCount; k++) {
                final int base = 4 * labelLabeler[k];
                final double t1 = t[labelItem[k]];
                final double t0 = 1.0 - t1;
                final double x1 = labelValue[k];
                final double x0 = 1.0 - x1;
                counts[base] += t0 * x0;
                counts[base + 1] += t0 * x1;
                counts[base + 2] += t1 * x0;
                counts[base + 3] += t1 * x1;
            }
            for (int j = 0; j < m; j++) {
                final int base = 4 * j;
                final double row0 = counts[base] + counts[base + 1];
                final double row1 = counts[base + 2] + counts[base + 3];
                logPi[base] = StrictMath.log(counts[base] / row0);
                logPi[base + 1] = StrictMath.log(counts[base + 1] / row0);
                logPi[base + 2] = StrictMath.log(counts[base + 2] / row1);
                logPi[base + 3] = StrictMath.log(counts[base + 3] / row1);
            }

            // ---- E-step (uses only logPi and the prior, so t can be updated in place)
            double maxChange = 0.0;
            for (int i = 0; i < n; i++) {
                double s0 = logPrior0;
                double s1 = logPrior1;
                for (int k : itemLabels[i]) {
                    final int base = 4 * labelLabeler[k];
                    final double x1 = labelValue[k];
                    final double x0 = 1.0 - x1;
                    s0 += x0 * logPi[base] + x1 * logPi[base + 1];
                    s1 += x0 * logPi[base + 2] + x1 * logPi[base + 3];
                }
                final double posterior = logistic(s1 - s0);
                maxChange = Math.max(maxChange, Math.abs(posterior - t[i]));
                t[i] = posterior;
            }
            if (maxChange < tolerance) {
                break;
            }
        }
        return t;
    }

    /**
     * Majority vote as a probability: per item, the mean of its label values (the fraction of
     * 1-labels for 0/1 labels; 0.5 on a tie). This is the EM initialisation.
     */
    public static double[] majorityVote(CrowdLabels data) {
        Objects.requireNonNull(data, "data");
        final int n = data.itemCount();
        final double[] sum = new double[n];
        final int[] count = new int[n];
        for (int k = 0; k < data.labelCount(); k++) {
            final int i = data.itemOfLabel(k);
            sum[i] += data.labelValue(k);
            count[i]++;
        }
        final double[] vote = new double[n];
        for (int i = 0; i < n; i++) {
            vote[i] = count[i] == 0 ? 0.5 : sum[i] / count[i];
        }
        return vote;
    }

    /** 1 / (1 + exp(-d)) without overflow. */
    private static double logistic(double d) {
        if (d >= 0.0) {
            return 1.0 / (1.0 + StrictMath.exp(-d));
        }
        final double e = StrictMath.exp(d);
        return e / (1.0 + e);
    }
}
