package dev.feedbackagg.sim;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.Reference;
import dev.feedbackagg.sim.LabelerSpec.Role;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The empirical truthfulness audit (MECHANISM.md, "Strategic labelers").
 *
 * <p>For a target (one labeler, a colluding group, or a Sybil master with its copies) and each
 * strategy s, the gain is U(s) - U(truthful), where U = - sum over the items k the target's
 * labelers labeled (gold or not) of (p(k) - p(i,k))^2, summed over the target's own labelers
 * (a group counts each member's items; Sybil copies have no preference of their own, the master's
 * items count). Everyone else plays the scenario's strategy. Both runs use the same seed, hence the
 * same items, outcomes and private preferences (common random numbers); the gain is averaged over
 * S seeds with a 95% confidence interval mean +- t(0.975, S-1) sd / sqrt(S). A strategy is
 * profitable when the interval's lower bound is > 0; the scenario is TRUTHFUL when no strategy of
 * any target is profitable, else NOT_TRUTHFUL.
 *
 * <p>Forecasters: eta > 0 is the mechanism itself (core.Reference on the item closes and outcome
 * reveals, MechanismConfig defaults otherwise, Brier loss); eta = 0 is plain averaging, the
 * audit's own forecaster: p(k) = mean of the item's reports (summed in ascending labeler id order,
 * as the core's mean). Seeds run in parallel; each seed's result depends only on the seed, and they
 * are combined in seed order, so the output does not depend on thread scheduling.
 */
public final class Audit {

  /** The default deviations. */
  public static final List<Strategy> DEFAULT_STRATEGIES = List.of(
      new Strategy.Exaggerate(0.5), new Strategy.Exaggerate(1.0), new Strategy.Shift(0.1),
      new Strategy.Shift(0.25), new Strategy.Flip(), new Strategy.Constant(), new Strategy.RandomReport());

  /**
   * Whose strategy is changed and whose utility counts.
   *
   * @param name a readable name
   * @param type role and default strategy, e.g. "strategic exaggerate:1"
   * @param controlled the labeler ids that play the strategy together (Sybil copies follow their
   *     master by themselves)
   */
  public record Target(String name, String type, List<String> controlled) {}

  /**
   * What to audit.
   *
   * @param eta the mechanism's learning rate; 0 for plain averaging
   * @param firstSeed seeds firstSeed .. firstSeed + seeds - 1
   * @param targets labeler ids (a group member or Sybil id stands for its whole principal); empty
   *     for one target per strategic type
   */
  public record Options(
      Scenario scenario, double eta, int seeds, long firstSeed, List<Strategy> strategies,
      List<String> targets) {
    public Options {
      if (!(eta >= 0) || Double.isInfinite(eta)) {
        throw new IllegalArgumentException("eta: " + eta + " must be >= 0 (0: plain averaging)");
      }
      if (seeds < 2) {
        throw new IllegalArgumentException("seeds: " + seeds + " must be >= 2 for a confidence interval");
      }
      strategies = List.copyOf(strategies);
      targets = List.copyOf(targets);
      if (strategies.isEmpty()) {
        throw new IllegalArgumentException("strategies: none");
      }
    }
  }

  /** One strategy's gain over truthful. */
  public record Gain(Strategy strategy, double mean, double sd, double ciLow, double ciHigh, boolean profitable) {}

  /**
   * One target's result.
   *
   * @param truthfulUtility mean over seeds of U(truthful)
   * @param labels mean over seeds of the number of labels the utility sums over
   */
  public record TargetResult(Target target, double truthfulUtility, double labels, List<Gain> gains) {}

  /** The audit of one scenario. */
  public record Result(
      String scenario, String forecaster, double eta, int seeds, long firstSeed, int items,
      List<TargetResult> targets, List<String> profitable) {
    public boolean truthful() {
      return profitable.isEmpty();
    }

    public String verdict() {
      return truthful() ? "TRUTHFUL" : "NOT_TRUTHFUL";
    }
  }

  private Audit() {}

  /** One target per non-honest type, in scenario order; a group and a Sybil swarm are one target each. */
  public static List<Target> defaultTargets(Scenario s) {
    Map<String, Target> byType = new LinkedHashMap<>();
    for (LabelerSpec l : s.principals()) {
      if (l.role() == Role.HONEST) {
        continue;
      }
      Target t = target(s, l.id());
      byType.putIfAbsent(t.type(), t);
    }
    return new ArrayList<>(byType.values());
  }

  /** The target a labeler id stands for: its group, its Sybil master, or itself; "all" not here. */
  public static Target target(Scenario s, String id) {
    LabelerSpec l = s.labeler(id);
    if (l.isSybil()) {
      l = s.labeler(l.copies());
    }
    if (l.group() != null) {
      List<String> members = new ArrayList<>();
      for (LabelerSpec m : s.labelers()) {
        if (l.group().equals(m.group())) {
          members.add(m.id());
        }
      }
      return new Target("group " + l.group() + " (" + members.size() + " x " + l.role().cliName() + ")",
          l.role().cliName() + " " + l.group() + " " + l.strategy().name(), members);
    }
    int copies = 0;
    for (LabelerSpec m : s.labelers()) {
      copies += l.id().equals(m.copies()) ? 1 : 0;
    }
    String type = l.role().cliName() + " " + l.strategy().name();
    String name = copies == 0 ? l.id() : l.id() + " (+" + copies + " sybils)";
    return new Target(name, copies == 0 ? type : type + " +" + copies + " sybils", List.of(l.id()));
  }

  /** Every principal: each labeler, group and Sybil swarm once. */
  public static List<Target> allTargets(Scenario s) {
    Map<String, Target> byName = new LinkedHashMap<>();
    for (LabelerSpec l : s.principals()) {
      Target t = target(s, l.id());
      byName.putIfAbsent(t.name(), t);
    }
    return new ArrayList<>(byName.values());
  }

  public static Result run(Options o) {
    Scenario s = o.scenario();
    List<Target> targets;
    if (o.targets().isEmpty()) {
      targets = defaultTargets(s);
    } else if (o.targets().size() == 1 && o.targets().get(0).equalsIgnoreCase("all")) {
      targets = allTargets(s);
    } else {
      Map<String, Target> byName = new LinkedHashMap<>();
      for (String id : o.targets()) {
        Target t = target(s, id);
        byName.putIfAbsent(t.name(), t);
      }
      targets = new ArrayList<>(byName.values());
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("scenario " + s.name() + " has no strategic labeler to audit;"
          + " name targets");
    }
    List<Strategy> strategies = o.strategies();
    final List<Target> ts = targets;
    // [seed][target][0] = U(truthful), [1] = labels, [2 + j] = gain of strategy j
    List<double[][]> perSeed = IntStream.range(0, o.seeds())
        .parallel()
        .mapToObj(x -> oneSeed(s.withSeed(o.firstSeed() + x), o.eta(), ts, strategies))
        .toList();
    int n = o.seeds();
    List<TargetResult> results = new ArrayList<>();
    List<String> profitable = new ArrayList<>();
    double tq = tQuantile975(n - 1);
    for (int t = 0; t < ts.size(); t++) {
      double u0 = 0;
      double labels = 0;
      for (double[][] r : perSeed) {
        u0 += r[t][0];
        labels += r[t][1];
      }
      List<Gain> gains = new ArrayList<>();
      for (int j = 0; j < strategies.size(); j++) {
        double mean = 0;
        for (double[][] r : perSeed) {
          mean += r[t][2 + j];
        }
        mean /= n;
        double ss = 0;
        for (double[][] r : perSeed) {
          double d = r[t][2 + j] - mean;
          ss += d * d;
        }
        double sd = Math.sqrt(ss / (n - 1));
        double half = tq * sd / Math.sqrt(n);
        boolean prof = mean - half > 0;
        gains.add(new Gain(strategies.get(j), mean, sd, mean - half, mean + half, prof));
        if (prof) {
          profitable.add(ts.get(t).name() + ": " + strategies.get(j).name());
        }
      }
      results.add(new TargetResult(ts.get(t), u0 / n, labels / n, gains));
    }
    return new Result(s.name(), o.eta() == 0 ? "mean" : "mechanism", o.eta(), n, o.firstSeed(),
        s.items(), results, Collections.unmodifiableList(profitable));
  }

  private static double[][] oneSeed(Scenario s, double eta, List<Target> targets, List<Strategy> strategies) {
    World w = World.generate(s);
    Strategy[] base = w.defaultStrategies();
    double[][] out = new double[targets.size()][2 + strategies.size()];
    Map<String, Integer> itemIndex = new HashMap<>();
    for (int k = 0; k < w.items(); k++) {
      itemIndex.put(w.promptId(k), k);
    }
    for (int t = 0; t < targets.size(); t++) {
      int[] controlled = targets.get(t).controlled().stream().mapToInt(w::indexOf).toArray();
      boolean[] counts = new boolean[w.labelers()];
      for (int i : controlled) {
        counts[i] = true;
      }
      double u0 = utility(w, aggregate(w, play(base, controlled, Strategy.TRUTHFUL), eta, itemIndex), counts);
      out[t][0] = u0;
      out[t][1] = labels(w, counts);
      for (int j = 0; j < strategies.size(); j++) {
        Strategy[] st = play(base, controlled, strategies.get(j));
        out[t][2 + j] = utility(w, aggregate(w, st, eta, itemIndex), counts) - u0;
      }
    }
    return out;
  }

  private static Strategy[] play(Strategy[] base, int[] controlled, Strategy s) {
    Strategy[] st = base.clone();
    for (int i : controlled) {
      st[i] = s;
    }
    return st;
  }

  /** p(k) for every item under the strategies. */
  static double[] aggregate(World w, Strategy[] strategies, double eta, Map<String, Integer> itemIndex) {
    double[][] reports = w.reports(strategies);
    double[] p = new double[w.items()];
    if (eta == 0) {
      for (int k = 0; k < p.length; k++) {
        double sum = 0;
        for (int j : w.idOrder(k)) {
          sum += reports[k][j];
        }
        p[k] = sum / reports[k].length;
      }
      return p;
    }
    MechanismConfig config = MechanismConfig.defaults()
        .withEta(eta)
        .withLoss(Loss.BRIER)
        .withMetricsIntervalMs(Long.MAX_VALUE / 4)
        .withOutcomeTimeoutMs(Long.MAX_VALUE / 4);
    Reference.Result r = new Reference(config).run(w.itemEvents(reports));
    if (r.aggregated.size() != p.length) {
      throw new IllegalStateException(r.aggregated.size() + " aggregates for " + p.length + " items");
    }
    for (AggregatedPreference a : r.aggregated) {
      p[itemIndex.get(a.getPromptId())] = a.getPreference();
    }
    return p;
  }

  static double utility(World w, double[] p, boolean[] counts) {
    double u = 0;
    for (int k = 0; k < p.length; k++) {
      for (int j = 0; j < w.labels(k); j++) {
        if (counts[w.slot(k, j)]) {
          double d = p[k] - w.privatePreference(k, j);
          u -= d * d;
        }
      }
    }
    return u;
  }

  private static double labels(World w, boolean[] counts) {
    int n = 0;
    for (int k = 0; k < w.items(); k++) {
      for (int j = 0; j < w.labels(k); j++) {
        n += counts[w.slot(k, j)] ? 1 : 0;
      }
    }
    return n;
  }

  /**
   * The 0.975 quantile of Student's t with df degrees of freedom: exact for df 1 and 2, else the
   * Cornish-Fisher expansion around the normal quantile to order 1/df^4 (error < 0.005 at df 3,
   * < 1e-4 from df 10).
   */
  public static double tQuantile975(int df) {
    if (df < 1) {
      throw new IllegalArgumentException("df: " + df);
    }
    if (df == 1) {
      return Math.tan(Math.PI * 0.475);
    }
    if (df == 2) {
      return 0.95 / Math.sqrt(2 * 0.975 * 0.025);
    }
    double z = 1.959963984540054;
    double z2 = z * z;
    double z3 = z2 * z;
    double z5 = z3 * z2;
    double z7 = z5 * z2;
    double z9 = z7 * z2;
    double v = df;
    return z
        + (z3 + z) / (4 * v)
        + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
        + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
        + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * v * v * v * v);
  }

  /** A readable table of the result. */
  public static String toTable(Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "audit of scenario %s: forecaster %s%s, %d items, %d seeds from %d; gain = U(strategy) - U(truthful)%n",
        r.scenario(), r.forecaster(), r.eta() == 0 ? "" : " eta " + r.eta(), r.items(), r.seeds(),
        r.firstSeed()));
    for (TargetResult t : r.targets()) {
      sb.append(String.format(Locale.ROOT, "%s [%s], %.0f labels, U(truthful) %.3f%n", t.target().name(),
          t.target().type(), t.labels(), t.truthfulUtility()));
      for (Gain g : t.gains()) {
        sb.append(String.format(Locale.ROOT, "  %-16s gain %+10.4f  95%% CI [%+10.4f, %+10.4f]%s%n",
            g.strategy().name(), g.mean(), g.ciLow(), g.ciHigh(), g.profitable() ? "  PROFITABLE" : ""));
      }
    }
    sb.append("verdict: ").append(r.verdict());
    if (!r.truthful()) {
      sb.append(" (profitable: ").append(String.join(", ", r.profitable())).append(')');
    }
    return sb.append(System.lineSeparator()).toString();
  }
}
