package dev.feedbackagg.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedbackagg.avro.AggregatedPreference;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The specialists update and the aggregation against their definitions in MECHANISM.md. */
class SpecialistsUpdateTest {

  @ParameterizedTest(name = "loss {0}")
  @ValueSource(strings = {"brier", "absolute", "log"})
  void fullParticipationEqualsPlainExponentiallyWeightedForecaster(String lossName) {
    long seed = 11;
    Loss loss = Loss.parse(lossName);
    double eta = 0.5;
    int n = 7;
    Rounds rounds = new Rounds(MechanismConfig.defaults().withLoss(loss).withEta(eta));
    String[] ids = Rounds.ids(n);
    double[] cumulative = new double[n];
    Random rnd = new Random(seed);
    for (int t = 0; t < 2000; t++) {
      double[] r = new double[n];
      for (int i = 0; i < n; i++) {
        r[i] = rnd.nextInt(5) / 4.0;
      }
      double y = rnd.nextDouble() < 0.7 ? 1.0 : 0.0;
      AggregatedPreference agg = rounds.round(ids, r, y);

      // Plain EWA: w(i) proportional to exp(-eta * sum of raw losses so far), normalised.
      double[] w = new double[n];
      double min = Arrays.stream(cumulative).min().getAsDouble();
      double sum = 0;
      for (int i = 0; i < n; i++) {
        w[i] = Math.exp(-eta * (cumulative[i] - min));
        sum += w[i];
      }
      double p = 0;
      for (int i = 0; i < n; i++) {
        w[i] /= sum;
        p += w[i] * r[i];
        assertThat(agg.getContributions().get(i).getWeight())
            .as("seed %d round %d labeler %d", seed, t, i)
            .isCloseTo(w[i], within(1e-12));
      }
      assertThat(agg.getPreference()).as("seed %d round %d", seed, t).isCloseTo(p, within(1e-12));
      for (int i = 0; i < n; i++) {
        cumulative[i] += loss.of(r[i], y);
      }
    }
  }

  @Test
  void anItemsUpdateKeepsTheTotalWeightOfItsLabelers() {
    long seed = 5;
    double eta = 0.5;
    Rounds rounds = new Rounds(MechanismConfig.defaults().withEta(eta));
    Random rnd = new Random(seed);
    int n = 30;
    for (int t = 0; t < 3000; t++) {
      String[] labelers = randomSubset(rnd, n, 2 + rnd.nextInt(5));
      double[] r = new double[labelers.length];
      double before = 0;
      for (int i = 0; i < labelers.length; i++) {
        r[i] = rnd.nextDouble();
        LabelerState s = rounds.store.labeler(labelers[i]);
        before += Math.exp(-eta * (s == null ? 0.0 : s.specialistLoss));
      }
      rounds.round(labelers, r, rnd.nextDouble());
      double after = 0;
      for (String id : labelers) {
        after += Math.exp(-eta * rounds.store.labeler(id).specialistLoss);
      }
      assertThat(after).as("seed %d round %d", seed, t).isCloseTo(before, within(1e-9 * before));
    }
  }

  @Test
  void aMillionRoundsWithOneLabelerAlwaysWrongStayFinite() {
    Rounds rounds = new Rounds(MechanismConfig.defaults());
    String[] ids = Rounds.ids(3);
    for (int t = 0; t < 1_000_000; t++) {
      double y = (t % 2 == 0) ? 1.0 : 0.0;
      // L0000 always right, L0001 always says 0.5, L0002 always wrong.
      rounds.round(ids, new double[] {y, 0.5, 1.0 - y}, y);
    }
    double[] d = new double[3];
    for (int i = 0; i < 3; i++) {
      d[i] = rounds.labeler(i).specialistLoss;
      assertThat(Double.isFinite(d[i])).as("D of labeler %d = %s", i, d[i]).isTrue();
    }
    assertThat(d[0]).isLessThan(d[1]);
    assertThat(d[1]).isLessThan(d[2]);
    AggregatedPreference last = rounds.aggregated.get(rounds.aggregated.size() - 1);
    assertThat(last.getPreference()).isEqualTo(0.0); // y of the last round (t odd) is 0
    assertThat(last.getContributions().get(0).getWeight()).isEqualTo(1.0);
    assertThat(last.getContributions().get(2).getWeight()).isEqualTo(0.0);
    assertThat(Double.isFinite(rounds.finish().getRegret())).isTrue();
  }

  @Test
  void aggregationSummariesFollowTheirDefinitions() {
    Aggregation a = Aggregation.of(new double[] {0.0, 0.5, 1.0, 1.0}, new double[] {0, 0, 0, 0});
    assertThat(a.preference).isEqualTo(0.625);
    assertThat(a.mean).isEqualTo(0.625);
    assertThat(a.median).isEqualTo(0.75);
    assertThat(a.majority).isEqualTo(2.5 / 4);
    assertThat(a.effectiveLabelers).isCloseTo(4.0, within(1e-12));
    Aggregation b = Aggregation.of(new double[] {0.2, 0.9, 0.4}, new double[] {-1000, 0, -1000});
    assertThat(b.median).isEqualTo(0.4);
    assertThat(b.preference).isEqualTo(0.9);
    assertThat(b.effectiveLabelers).isEqualTo(1.0);
  }

  @Test
  void newcomersStartAtTheOffset() {
    Rounds rounds = new Rounds(MechanismConfig.defaults().withNewcomerOffset(2.0));
    rounds.round(new String[] {"a", "b"}, new double[] {1, 0}, 1);
    // b has lost (1 - 0)^2 = 1 more than a; a newcomer c starts at D0 = 2.
    AggregatedPreference agg =
        rounds.round(new String[] {"a", "c"}, new double[] {1, 0}, 1);
    double da = rounds.store.labeler("a").specialistLoss;
    assertThat(rounds.store.labeler("c").specialistLoss).isGreaterThan(da); // c lost this round
    double wa = Math.exp(-0.5 * (agg.getContributions().get(0).getWeight() > 0 ? 0 : 0));
    assertThat(wa).isEqualTo(1.0);
    // At the second close a's D was below 2 by the first update, so a outweighs c.
    assertThat(agg.getContributions().get(0).getWeight())
        .isGreaterThan(agg.getContributions().get(1).getWeight());
  }

  static String[] randomSubset(Random rnd, int n, int k) {
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
    int[] chosen = Arrays.copyOf(perm, k);
    Arrays.sort(chosen);
    String[] ids = new String[k];
    for (int i = 0; i < k; i++) {
      ids[i] = Rounds.id(chosen[i]);
    }
    return ids;
  }
}
