package dev.feedbackagg.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.RegretMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MECHANISM.md, "Learning rate eta": with Brier loss and eta <= 1/2 the regret against the best
 * labeler in hindsight is at most ln(N)/eta on every sequence (full participation), and each
 * labeler's specialist regret on the items it labeled is at most ln(N)/eta (partial
 * participation). Regret is computed here from the aggregates the mechanism emitted and the
 * labelers' own losses, never from the mechanism's counters; the counters are then compared.
 */
class RegretBoundTest {
  private static final double SLACK = 1e-9;
  private static final Loss BRIER = Loss.BRIER;

  /** How the reports and the outcome of one round are made. */
  enum Scenario {
    /** Reports uniform (or on the 5-point scale), outcomes a fair coin or uniform. */
    RANDOM,
    /** Labelers with fixed biases plus small noise; y = 1 if p < 0.5 else 0. */
    ADVERSARIAL_BIASED,
    /** Random labelers; y = 1 if p < 0.5 else 0. */
    ADVERSARIAL_RANDOM,
    /** Continuous adversary: y = 1 - p pushed to the far end, on biased labelers. */
    ADVERSARIAL_FAR_END,
    /** One labeler always reports y exactly, the others are uniform. */
    ONE_ALWAYS_RIGHT,
    /** One labeler always reports y exactly, all the others report 1 - y. */
    ONE_RIGHT_REST_WRONG,
    /** Labelers report 0 or 1, always the same; y = 1 if p < 0.5 else 0. */
    ADVERSARIAL_EXTREMES,
    /** Labeler A is accurate in the first half, labeler B in the second; others random. */
    SWITCHING_BEST,
    /** Switching best labelers and an adversarial outcome where nobody is sure. */
    SWITCHING_ADVERSARIAL
  }

  /** One generated sequence, reproducible from its seed. */
  private static final class Sequence {
    final Scenario scenario;
    final int n;
    final int horizon;
    final Random rnd;
    final double[] bias;
    final int right;
    final int first;
    final int second;
    double pendingY;

    Sequence(Scenario scenario, int n, int horizon, long seed) {
      this.scenario = scenario;
      this.n = n;
      this.horizon = horizon;
      this.rnd = new Random(seed);
      this.bias = new double[n];
      for (int i = 0; i < n; i++) {
        bias[i] = n == 1 ? 0.5 : (double) i / (n - 1);
      }
      this.right = rnd.nextInt(n);
      this.first = rnd.nextInt(n);
      this.second = (first + 1 + rnd.nextInt(n - 1)) % n;
    }

    double[] reports(int t) {
      double[] r = new double[n];
      switch (scenario) {
        case RANDOM -> {
          boolean scale = rnd.nextBoolean();
          for (int i = 0; i < n; i++) {
            r[i] = scale ? rnd.nextInt(5) / 4.0 : rnd.nextDouble();
          }
          pendingY = rnd.nextBoolean() ? (rnd.nextBoolean() ? 1.0 : 0.0) : rnd.nextDouble();
        }
        case ADVERSARIAL_BIASED, ADVERSARIAL_FAR_END -> {
          for (int i = 0; i < n; i++) {
            r[i] = clip(bias[i] + 0.05 * rnd.nextGaussian());
          }
        }
        case ADVERSARIAL_RANDOM -> {
          for (int i = 0; i < n; i++) {
            r[i] = rnd.nextDouble();
          }
        }
        case ONE_ALWAYS_RIGHT -> {
          pendingY = rnd.nextBoolean() ? 1.0 : 0.0;
          for (int i = 0; i < n; i++) {
            r[i] = i == right ? pendingY : rnd.nextDouble();
          }
        }
        case ONE_RIGHT_REST_WRONG -> {
          pendingY = rnd.nextBoolean() ? 1.0 : 0.0;
          for (int i = 0; i < n; i++) {
            r[i] = i == right ? pendingY : 1.0 - pendingY;
          }
        }
        case ADVERSARIAL_EXTREMES -> {
          for (int i = 0; i < n; i++) {
            r[i] = i % 2;
          }
        }
        case SWITCHING_BEST -> {
          pendingY = rnd.nextBoolean() ? 1.0 : 0.0;
          int good = t < horizon / 2 ? first : second;
          for (int i = 0; i < n; i++) {
            r[i] = i == good ? clip(pendingY + 0.1 * rnd.nextGaussian()) : rnd.nextDouble();
          }
        }
        case SWITCHING_ADVERSARIAL -> {
          int good = t < horizon / 2 ? first : second;
          for (int i = 0; i < n; i++) {
            r[i] = i == good ? 0.5 + 0.3 * rnd.nextGaussian() : rnd.nextDouble();
            r[i] = clip(r[i]);
          }
        }
        default -> throw new IllegalStateException();
      }
      return r;
    }

    double outcome(double p) {
      return switch (scenario) {
        case ADVERSARIAL_BIASED, ADVERSARIAL_RANDOM, ADVERSARIAL_EXTREMES, SWITCHING_ADVERSARIAL ->
            p < 0.5 ? 1.0 : 0.0;
        case ADVERSARIAL_FAR_END -> p < 0.5 ? 1.0 - 0.1 * rnd.nextDouble() : 0.1 * rnd.nextDouble();
        default -> pendingY;
      };
    }
  }

  static double clip(double v) {
    return Math.min(1.0, Math.max(0.0, v));
  }

  /** Kahan-compensated running sum, so the test's own totals carry no drift. */
  private static final class Sum {
    double sum;
    double c;

    void add(double v) {
      double y = v - c;
      double t = sum + y;
      c = (t - sum) - y;
      sum = t;
    }
  }

  static Stream<Arguments> fullParticipationCases() {
    Stream.Builder<Arguments> b = Stream.builder();
    int[] sizes = {2, 3, 5, 10, 20, 50};
    int[] horizons = {50, 500, 2000, 5000};
    for (Scenario s : Scenario.values()) {
      for (double eta : new double[] {0.5, 0.25}) {
        b.add(Arguments.of(s, eta, sizes, horizons));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} eta {1}")
  @MethodSource("fullParticipationCases")
  void fullParticipationRegretIsAtMostLnNOverEta(
      Scenario scenario, double eta, int[] sizes, int[] horizons) {
    for (long seed = 1; seed <= 8; seed++) {
      Random pick = new Random(seed * 7919 + scenario.ordinal() * 31 + (eta == 0.5 ? 0 : 1));
      int n = sizes[pick.nextInt(sizes.length)];
      int horizon = horizons[pick.nextInt(horizons.length)];
      checkFullParticipation(scenario, eta, n, horizon, seed);
    }
  }

  @Test
  void hundredLabelersAndAHundredThousandAdversarialRounds() {
    checkFullParticipation(Scenario.ADVERSARIAL_BIASED, 0.5, 100, 100_000, 2024);
  }

  private void checkFullParticipation(Scenario scenario, double eta, int n, int horizon, long seed) {
    String ctx =
        String.format("seed %d, %s, eta %s, N %d, T %d", seed, scenario, eta, n, horizon);
    Rounds rounds = new Rounds(MechanismConfig.defaults().withEta(eta));
    Sequence seq = new Sequence(scenario, n, horizon, seed);
    String[] ids = Rounds.ids(n);
    Sum mechanism = new Sum();
    Sum[] labeler = new Sum[n];
    for (int i = 0; i < n; i++) {
      labeler[i] = new Sum();
    }
    double bound = Math.log(n) / eta;
    for (int t = 0; t < horizon; t++) {
      double[] r = seq.reports(t);
      // The adversary sees the aggregate before choosing y: close first, then reveal. Rounds
      // reveals with the close, so aggregate a copy of the item without outcome first.
      double p = aggregateWithoutUpdate(rounds, ids, r);
      double y = seq.outcome(p);
      AggregatedPreference agg = rounds.round(ids, r, y);
      rounds.aggregated.clear(); // keep memory flat on long runs
      assertThat(agg.getPreference()).as("%s round %d: the preview aggregate", ctx, t)
          .isCloseTo(p, within(1e-12));
      mechanism.add(BRIER.of(agg.getPreference(), y));
      double best = Double.POSITIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        labeler[i].add(BRIER.of(r[i], y));
        best = Math.min(best, labeler[i].sum);
      }
      // The bound holds at every T, not only at the end.
      double regret = mechanism.sum - best;
      if (regret > bound + SLACK) {
        assertThat(regret).as("%s: regret after round %d", ctx, t).isLessThanOrEqualTo(bound + SLACK);
      }
    }
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (labeler[i].sum < labeler[best].sum) {
        best = i;
      }
    }
    double regret = mechanism.sum - labeler[best].sum;
    assertThat(regret).as("%s: final regret (bound %s)", ctx, bound).isLessThanOrEqualTo(bound + SLACK);

    RegretMetrics m = rounds.finish();
    double tol = 1e-12 * horizon + 1e-9;
    assertThat(m.getRounds()).as("%s: rounds", ctx).isEqualTo(horizon);
    assertThat(m.getLossMechanism()).as("%s: loss_mechanism", ctx).isCloseTo(mechanism.sum, within(tol));
    assertThat(m.getLossBestLabeler()).as("%s: loss_best_labeler", ctx)
        .isCloseTo(labeler[best].sum, within(tol));
    assertThat(m.getRegret()).as("%s: regret", ctx).isCloseTo(regret, within(tol));
    double secondBest = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      if (i != best) {
        secondBest = Math.min(secondBest, labeler[i].sum);
      }
    }
    if (secondBest - labeler[best].sum > 2 * tol) {
      assertThat(m.getBestLabelerId()).as("%s: best labeler", ctx).isEqualTo(Rounds.id(best));
    } else {
      int reported = Integer.parseInt(m.getBestLabelerId().substring(1));
      assertThat(labeler[reported].sum).as("%s: best labeler %s (near tie)", ctx, m.getBestLabelerId())
          .isCloseTo(labeler[best].sum, within(2 * tol));
    }
  }

  /**
   * The aggregate p(k) of MECHANISM.md for these reports under the labelers' current weights,
   * computed by the test from the labelers' D (exp(-eta D), normalised): what the mechanism
   * will emit for the next close. Used so that an adaptive adversary can see p before y.
   */
  private static double aggregateWithoutUpdate(Rounds rounds, String[] ids, double[] r) {
    double eta = rounds.mechanism.config().eta();
    double maxA = Double.NEGATIVE_INFINITY;
    double[] a = new double[ids.length];
    for (int i = 0; i < ids.length; i++) {
      LabelerState s = rounds.store.labeler(ids[i]);
      a[i] = -eta * (s == null ? 0.0 : s.specialistLoss);
      maxA = Math.max(maxA, a[i]);
    }
    double sw = 0;
    double swr = 0;
    for (int i = 0; i < ids.length; i++) {
      double w = Math.exp(a[i] - maxA);
      sw += w;
      swr += w * r[i];
    }
    return clip(swr / sw);
  }

  // ---------------------------------------------------------------------------------------------
  // Partial participation: the specialists bound.
  // ---------------------------------------------------------------------------------------------

  /** Reports of one labeler on a partial item. */
  enum PartialScenario {
    RANDOM,
    BIASED_ADVERSARIAL,
    FEW_ACCURATE
  }

  static Stream<Arguments> partialCases() {
    Stream.Builder<Arguments> b = Stream.builder();
    long seed = 100;
    for (PartialScenario s : PartialScenario.values()) {
      for (double eta : new double[] {0.5, 0.25}) {
        b.add(Arguments.of(s, eta, 10, 3000, seed++));
        b.add(Arguments.of(s, eta, 30, 10_000, seed++));
        b.add(Arguments.of(s, eta, 100, 20_000, seed++));
        // Many more ids than rounds can reach: N is the number of distinct labelers seen.
        b.add(Arguments.of(s, eta, 2000, 150, seed++));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} eta {1} N {2} T {3} seed {4}")
  @MethodSource("partialCases")
  void partialParticipationSpecialistRegretIsAtMostLnNOverEta(
      PartialScenario scenario, double eta, int pool, int horizon, long seed) {
    String ctx = String.format("seed %d, %s, eta %s, pool %d, T %d", seed, scenario, eta, pool, horizon);
    Rounds rounds = new Rounds(MechanismConfig.defaults().withEta(eta));
    Random rnd = new Random(seed);
    double[] bias = new double[pool];
    boolean[] accurate = new boolean[pool];
    for (int i = 0; i < pool; i++) {
      bias[i] = rnd.nextDouble();
      accurate[i] = rnd.nextInt(10) == 0;
    }
    Map<String, Sum> regret = new HashMap<>();
    Map<String, Sum> ownLoss = new HashMap<>();
    Map<String, Long> count = new HashMap<>();
    for (int t = 0; t < horizon; t++) {
      String[] ids = SpecialistsUpdateTest.randomSubset(rnd, pool, 3 + rnd.nextInt(8));
      double[] r = new double[ids.length];
      double yDrawn = rnd.nextBoolean() ? 1.0 : 0.0;
      for (int j = 0; j < ids.length; j++) {
        int i = Integer.parseInt(ids[j].substring(1));
        r[j] = switch (scenario) {
          case RANDOM -> rnd.nextDouble();
          case BIASED_ADVERSARIAL -> clip(bias[i] + 0.1 * rnd.nextGaussian());
          case FEW_ACCURATE -> accurate[i] ? clip(yDrawn + 0.15 * rnd.nextGaussian()) : rnd.nextDouble();
        };
      }
      double p = aggregateWithoutUpdate(rounds, ids, r);
      double y = scenario == PartialScenario.BIASED_ADVERSARIAL ? (p < 0.5 ? 1.0 : 0.0) : yDrawn;
      AggregatedPreference agg = rounds.round(ids, r, y);
      rounds.aggregated.clear();
      assertThat(agg.getPreference()).as("%s round %d: the preview aggregate", ctx, t)
          .isCloseTo(p, within(1e-12));
      double lp = BRIER.of(agg.getPreference(), y);
      for (int j = 0; j < ids.length; j++) {
        double li = BRIER.of(r[j], y);
        regret.computeIfAbsent(ids[j], k -> new Sum()).add(lp - li);
        ownLoss.computeIfAbsent(ids[j], k -> new Sum()).add(li);
        count.merge(ids[j], 1L, Long::sum);
      }
    }
    int distinct = regret.size();
    double bound = Math.log(distinct) / eta;
    String maxId = null;
    for (Map.Entry<String, Sum> e : regret.entrySet()) {
      String id = e.getKey();
      double mine = e.getValue().sum;
      assertThat(mine).as("%s: specialist regret of %s (N %d, bound %s)", ctx, id, distinct, bound)
          .isLessThanOrEqualTo(bound + SLACK);
      LabelerState s = rounds.store.labeler(id);
      assertThat(s.specialistRegret).as("%s: LabelerState.specialistRegret of %s", ctx, id)
          .isCloseTo(mine, within(1e-9));
      assertThat(s.rounds).as("%s: n of %s", ctx, id).isEqualTo(count.get(id));
      assertThat(s.loss).as("%s: L of %s", ctx, id).isCloseTo(ownLoss.get(id).sum, within(1e-9));
      if (count.get(id) >= MechanismConfig.DEFAULT_MIN_ROUNDS
          && (maxId == null || mine > regret.get(maxId).sum)) {
        maxId = id;
      }
    }
    RegretMetrics m = rounds.finish();
    assertThat(m.getLabelers()).as("%s: labelers", ctx).isEqualTo(distinct);
    if (maxId == null) {
      assertThat(m.getMaxSpecialistRegret()).as("%s: max specialist regret", ctx).isNull();
    } else {
      assertThat(m.getMaxSpecialistRegret()).as("%s: max specialist regret", ctx)
          .isCloseTo(regret.get(maxId).sum, within(1e-9));
    }
  }
}
