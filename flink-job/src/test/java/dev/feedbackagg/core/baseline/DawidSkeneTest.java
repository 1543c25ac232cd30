package dev.feedbackagg.core.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DawidSkeneTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------------------
    // Synthetic data
    // ------------------------------------------------------------------------------------------

    /**
     * 300 items with a uniform random true class, 20 labelers (10 are 90% accurate, 5 are 60%, 5
     * are adversarial at 30%), 5 distinct random labelers per item. Gold is the true class.
     */
    private Path synthetic(long seed) throws IOException {
        final int items = 300;
        final int labelers = 20;
        final int perItem = 5;
        double[] accuracy = new double[labelers];
        for (int j = 0; j < labelers; j++) {
            accuracy[j] = j < 10 ? 0.9 : j < 15 ? 0.6 : 0.3;
        }
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("item_id,labeler_id,label,gold\n");
        int[] pool = new int[labelers];
        for (int i = 0; i < items; i++) {
            int truth = random.nextBoolean() ? 1 : 0;
            for (int j = 0; j < labelers; j++) {
                pool[j] = j;
            }
            for (int p = 0; p < perItem; p++) { // partial Fisher-Yates: first perItem slots
                int q = p + random.nextInt(labelers - p);
                int tmp = pool[p];
                pool[p] = pool[q];
                pool[q] = tmp;
                int j = pool[p];
                int label = random.nextDouble() < accuracy[j] ? truth : 1 - truth;
                csv.append("item").append(i).append(",w").append(j).append(',').append(label).append(',')
                        .append(truth).append('\n');
            }
        }
        Path file = dir.resolve("synthetic-" + seed + ".csv");
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        return file;
    }

    private static double accuracy(CrowdLabels data, double[] probabilityOfOne) {
        assertThat(probabilityOfOne).hasSize(data.itemCount());
        int correct = 0;
        for (int i = 0; i < data.itemCount(); i++) {
            int predicted = probabilityOfOne[i] > 0.5 ? 1 : 0;
            int gold = data.gold(i) >= 0.5 ? 1 : 0;
            if (predicted == gold) {
                correct++;
            }
        }
        return (double) correct / data.itemCount();
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L, 20240611L, 987654321L})
    void beatsMajorityVoteOnSyntheticData(long seed) throws Exception {
        CrowdLabels data = CrowdLabels.read(synthetic(seed));
        assertThat(data.itemCount()).isEqualTo(300);
        assertThat(data.labelCount()).isEqualTo(1500);

        double[] posteriors = DawidSkene.posteriors(data);
        double ds = accuracy(data, posteriors);
        double majority = accuracy(data, DawidSkene.majorityVote(data));

        System.out.printf("synthetic seed %d: Dawid-Skene accuracy %.4f, majority vote %.4f%n", seed, ds, majority);
        for (double p : posteriors) {
            assertThat(p).as("seed %d", seed).isBetween(0.0, 1.0);
        }
        assertThat(ds)
                .as("seed %d: Dawid-Skene accuracy %.4f vs majority vote %.4f", seed, ds, majority)
                .isGreaterThan(majority)
                .isGreaterThanOrEqualTo(0.85);
    }

    @ParameterizedTest
    @ValueSource(longs = {7L, 42L})
    void isDeterministic(long seed) throws Exception {
        Path file = synthetic(seed);
        double[] first = DawidSkene.posteriors(CrowdLabels.read(file));
        double[] second = DawidSkene.posteriors(CrowdLabels.read(file));
        double[] third = DawidSkene.posteriors(CrowdLabels.read(file));
        assertThat(bits(second)).as("seed %d", seed).containsExactly(bits(first));
        assertThat(bits(third)).as("seed %d", seed).containsExactly(bits(first));
    }

    private static long[] bits(double[] values) {
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToRawLongBits(values[i]);
        }
        return bits;
    }

    // ------------------------------------------------------------------------------------------
    // Small hand-made cases
    // ------------------------------------------------------------------------------------------

    private CrowdLabels csv(String name, String rows) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "item_id,labeler_id,label,gold\n" + rows, StandardCharsets.UTF_8);
        return CrowdLabels.read(file);
    }

    @Test
    void zeroIterationsReturnsMajorityVote() throws Exception {
        CrowdLabels data = csv("mv.csv", "a,w1,1,1\na,w2,1,1\na,w3,0,1\nb,w1,0,0\nb,w2,1,0\n");
        assertThat(DawidSkene.majorityVote(data)).containsExactly(2.0 / 3.0, 0.5);
        assertThat(DawidSkene.posteriors(data, 0, 1e-9)).containsExactly(2.0 / 3.0, 0.5);
    }

    @Test
    void unanimousLabelsGiveConfidentPosteriors() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            int truth = i % 2;
            for (int j = 0; j < 3; j++) {
                rows.append("i").append(i).append(",w").append(j).append(',').append(truth).append(',')
                        .append(truth).append('\n');
            }
        }
        CrowdLabels data = csv("unanimous.csv", rows.toString());
        double[] posteriors = DawidSkene.posteriors(data);
        for (int i = 0; i < data.itemCount(); i++) {
            if (data.gold(i) == 1.0) {
                assertThat(posteriors[i]).as("item %s", data.itemId(i)).isGreaterThan(0.99).isLessThan(1.0);
            } else {
                assertThat(posteriors[i]).as("item %s", data.itemId(i)).isLessThan(0.01).isGreaterThan(0.0);
            }
        }
    }

    @Test
    void softLabelsOfZeroAndOneEqualHardLabels() throws Exception {
        CrowdLabels hard = csv("hard.csv", "a,w1,1,1\na,w2,0,1\nb,w1,0,0\nb,w2,0,0\nc,w1,1,1\nc,w2,1,1\n");
        CrowdLabels soft = csv("soft.csv",
                "a,w1,1.0,1\na,w2,0.0,1\nb,w1,0.00,0\nb,w2,0e0,0\nc,w1,1.000,1\nc,w2,1E0,1\n");
        assertThat(bits(DawidSkene.posteriors(soft))).containsExactly(bits(DawidSkene.posteriors(hard)));
    }

    @Test
    void softLabelsMoveThePosteriorMonotonically() throws Exception {
        String base = "a,w1,1,1\na,w2,1,1\nb,w1,0,0\nb,w2,0,0\nc,w1,1,1\nc,w2,1,1\nd,w1,0,0\nd,w2,0,0\n";
        double low = DawidSkene.posteriors(csv("low.csv", base + "e,w1,0.2,1\ne,w2,0.2,1\n"))[4];
        double mid = DawidSkene.posteriors(csv("mid.csv", base + "e,w1,0.5,1\ne,w2,0.5,1\n"))[4];
        double high = DawidSkene.posteriors(csv("high.csv", base + "e,w1,0.8,1\ne,w2,0.8,1\n"))[4];
        assertThat(low).isLessThan(mid);
        assertThat(mid).isLessThan(high);
        assertThat(low).isLessThan(0.5);
        assertThat(high).isGreaterThan(0.5);
    }

    @Test
    void rejectsBadArguments() throws Exception {
        CrowdLabels data = csv("args.csv", "a,w1,1,1\n");
        assertThatThrownBy(() -> DawidSkene.posteriors(data, -1, 1e-9))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxIterations");
        assertThatThrownBy(() -> DawidSkene.posteriors(data, 10, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
        assertThatThrownBy(() -> DawidSkene.posteriors(data, 10, -1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tolerance");
        assertThatThrownBy(() -> DawidSkene.posteriors(null)).isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------------------------------
    // Real data (Snow et al. 2008)
    // ------------------------------------------------------------------------------------------

    private static Path sharedDataDir() {
        String property = System.getProperty("shared.data.dir");
        Path dir = property != null && !property.isBlank()
                ? Path.of(property)
                : Path.of(System.getProperty("user.dir")).resolve("../../shared/data");
        dir = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            fail("shared data folder not found at " + dir
                    + " (expected ../../shared/data relative to the module dir; set -Dshared.data.dir=... to override)");
        }
        return dir;
    }

    private static CrowdLabels snow(String fileName) throws Exception {
        Path file = sharedDataDir().resolve(fileName);
        if (!Files.isRegularFile(file)) {
            fail("data file not found: " + file);
        }
        return CrowdLabels.read(file);
    }

    @Test
    void rteAccuracyAgainstGold() throws Exception {
        CrowdLabels data = snow("snow2008-rte.csv");
        assertThat(data.itemCount()).isEqualTo(800);
        assertThat(data.labelCount()).isEqualTo(8000);
        assertThat(data.labelerCount()).isEqualTo(164);
        double ds = accuracy(data, DawidSkene.posteriors(data));
        double majority = accuracy(data, DawidSkene.majorityVote(data));
        System.out.printf("RTE: Dawid-Skene accuracy %.4f, majority vote (ties -> 0) %.4f%n", ds, majority);
        assertThat(ds).as("RTE Dawid-Skene accuracy (majority vote %.4f)", majority).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void tempAccuracyAgainstGold() throws Exception {
        CrowdLabels data = snow("snow2008-temp.csv");
        assertThat(data.itemCount()).isEqualTo(462);
        assertThat(data.labelCount()).isEqualTo(4620);
        assertThat(data.labelerCount()).isEqualTo(76);
        double ds = accuracy(data, DawidSkene.posteriors(data));
        double majority = accuracy(data, DawidSkene.majorityVote(data));
        System.out.printf("TEMP: Dawid-Skene accuracy %.4f, majority vote (ties -> 0) %.4f%n", ds, majority);
        assertThat(ds).as("TEMP Dawid-Skene accuracy (majority vote %.4f)", majority).isGreaterThanOrEqualTo(0.90);
    }
}
