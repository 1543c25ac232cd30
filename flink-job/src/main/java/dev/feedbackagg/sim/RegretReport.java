package dev.feedbackagg.sim;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.LabelerContribution;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.PipelineReference;
import dev.feedbackagg.core.Reference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The regret of the mechanism and of the mean, median and majority baselines on one cohort, from
 * what the core reference emitted (MECHANISM.md, "Regret accounting").
 *
 * <p>Two kinds of regret:
 *
 * <ul>
 *   <li>{@link Kind#BEST_LABELER}: against the best labeler in hindsight among the labelers present
 *       on every item with an outcome, read from the RegretMetrics snapshots: the mechanism's is
 *       {@code regret}, the baselines' are {@code loss_mean - loss_best_labeler} and so on. Used
 *       when such labelers exist (full participation, e.g. {@code paper}).
 *   <li>{@link Kind#MAX_SPECIALIST}: max over labelers i with n(i) >= min_rounds of the specialist
 *       regret R(i) = sum over the items i labeled (with outcome) of [l(p(k), y(k)) - l(r(i,k),
 *       y(k))], with p(k) the method's aggregate. Used otherwise (e.g. {@code crowd}, where no
 *       labeler labels every item). The mechanism's is the snapshot's max_specialist_regret; the
 *       baselines' are recomputed here the same way, in the order the outcomes were applied.
 * </ul>
 *
 * <p>Each method's series has one point per snapshot (one per distinct T); the slope is the least
 * squares slope of ln(regret) on ln(T) over the points with T >= the slope's minimum and regret >
 * 0: about 1 for linear regret, about 0.5 for sqrt(T), about 0 or undefined (NaN) for bounded.
 */
public final class RegretReport {
  /** An aggregation method. */
  public enum Method {
    MECHANISM,
    MEAN,
    MEDIAN,
    MAJORITY;

    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Which regret. */
  public enum Kind {
    BEST_LABELER,
    MAX_SPECIALIST;

    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Regret after T rounds. */
  public record Point(long rounds, double regret) {}

  /**
   * One method's figures.
   *
   * @param loss cumulative loss over the T items with outcome
   * @param regret the regret of the report's kind at the final T (NaN when undefined)
   * @param slope d ln(regret) / d ln(T), NaN with fewer than two usable points
   * @param maxSpecialistRegret max specialist regret at the final T (NaN when no labeler has
   *     min_rounds), and its labeler
   */
  public record MethodResult(
      Method method,
      double loss,
      double regret,
      double slope,
      int slopePoints,
      double maxSpecialistRegret,
      String maxSpecialistLabeler,
      List<Point> series) {}

  private final String cohort;
  private final Kind kind;
  private final long rounds;
  private final long labelers;
  private final long itemsClosed;
  private final String bestLabeler;
  private final double lossBestLabeler;
  private final double eta;
  private final long slopeMinRounds;
  private final Map<Method, MethodResult> methods;

  private RegretReport(String cohort, Kind kind, long rounds, long labelers, long itemsClosed,
      String bestLabeler, double lossBestLabeler, double eta, long slopeMinRounds,
      Map<Method, MethodResult> methods) {
    this.cohort = cohort;
    this.kind = kind;
    this.rounds = rounds;
    this.labelers = labelers;
    this.itemsClosed = itemsClosed;
    this.bestLabeler = bestLabeler;
    this.lossBestLabeler = lossBestLabeler;
    this.eta = eta;
    this.slopeMinRounds = slopeMinRounds;
    this.methods = Collections.unmodifiableMap(methods);
  }

  public String cohort() {
    return cohort;
  }

  public Kind kind() {
    return kind;
  }

  /** T. */
  public long rounds() {
    return rounds;
  }

  /** N: labelers the cohort has seen. */
  public long labelers() {
    return labelers;
  }

  public long itemsClosed() {
    return itemsClosed;
  }

  /** The best labeler in hindsight at the final T, or null (no labeler on every item). */
  public String bestLabeler() {
    return bestLabeler;
  }

  public double lossBestLabeler() {
    return lossBestLabeler;
  }

  public double eta() {
    return eta;
  }

  public long slopeMinRounds() {
    return slopeMinRounds;
  }

  public Map<Method, MethodResult> methods() {
    return methods;
  }

  public MethodResult method(Method m) {
    return methods.get(m);
  }

  /** Generates nothing: runs the raw events through core.PipelineReference and reports. */
  public static RegretReport run(EventLog log, Scenario scenario, MechanismConfig config,
      long slopeMinRounds, Kind kind) {
    PipelineReference ref =
        new PipelineReference(scenario.itemPolicy(config.outcomeTimeoutMs()), config);
    PipelineReference.Result r = ref.run(log.reports(), log.outcomes());
    if (!r.rejections.isEmpty()) {
      throw new IllegalStateException(r.rejections.size() + " generated records were rejected, first: "
          + r.rejections.get(0));
    }
    return of(r.itemEvents, r.mechanism, scenario.cohort(), config, slopeMinRounds, kind);
  }

  /**
   * The report of one cohort.
   *
   * @param itemEvents what was fed to the reference (to know the order outcomes were applied in)
   * @param kind the regret to report, or null: best labeler when there is one, else max specialist
   */
  public static RegretReport of(List<ItemEvent> itemEvents, Reference.Result result, String cohort,
      MechanismConfig config, long slopeMinRounds, Kind kind) {
    Loss loss = config.loss();
    List<RegretMetrics> snapshots = new ArrayList<>();
    for (RegretMetrics m : result.regret) {
      if (m.getCohort().equals(cohort)) {
        snapshots.add(m);
      }
    }
    RegretMetrics last = result.finalRegret(cohort);
    Kind k = kind != null ? kind
        : last.getBestLabelerId() != null ? Kind.BEST_LABELER : Kind.MAX_SPECIALIST;

    // Replay the outcomes in the order the mechanism applied them, for the specialist regrets.
    Map<String, AggregatedPreference> byPrompt = new HashMap<>();
    for (AggregatedPreference a : result.aggregated) {
      if (a.getCohort().equals(cohort)) {
        byPrompt.put(a.getPromptId(), a);
      }
    }
    Set<ItemEvent> unmatched = Collections.newSetFromMap(new IdentityHashMap<>());
    unmatched.addAll(result.unmatchedOutcomes);
    List<ItemEvent> applied = new ArrayList<>();
    for (ItemEvent e : itemEvents) {
      if (e.cohort.equals(cohort) && e.hasOutcome && !unmatched.contains(e)) {
        applied.add(e);
      }
    }
    applied.sort(ItemEvent.APPLY_ORDER);
    int t = applied.size();
    Method[] ms = Method.values();
    double[][] maxSpec = new double[ms.length][t];
    String[][] maxSpecId = new String[ms.length][t];
    Map<String, double[]> spec = new HashMap<>(); // per labeler: R per method
    Map<String, long[]> n = new HashMap<>();
    List<String> order = new ArrayList<>(); // labelers, for a deterministic scan
    for (int x = 0; x < t; x++) {
      ItemEvent e = applied.get(x);
      AggregatedPreference a = byPrompt.get(e.promptId);
      if (a == null) {
        throw new IllegalStateException("no aggregate for applied outcome " + e);
      }
      double y = e.outcome;
      double[] methodLoss = {
        loss.of(a.getPreference(), y), loss.of(a.getMean(), y), loss.of(a.getMedian(), y),
        loss.of(a.getMajority(), y)
      };
      for (LabelerContribution c : a.getContributions()) {
        String id = c.getLabelerId();
        double[] r = spec.get(id);
        if (r == null) {
          r = new double[ms.length];
          spec.put(id, r);
          n.put(id, new long[1]);
          order.add(id);
        }
        double own = loss.of(c.getReport(), y);
        for (int m = 0; m < ms.length; m++) {
          r[m] += methodLoss[m] - own;
        }
        n.get(id)[0]++;
      }
      for (int m = 0; m < ms.length; m++) {
        double best = Double.NaN;
        String bestId = null;
        for (String id : order) {
          if (n.get(id)[0] >= Math.max(1, config.minRounds())) {
            double v = spec.get(id)[m];
            if (bestId == null || v > best || (v == best && id.compareTo(bestId) < 0)) {
              best = v;
              bestId = id;
            }
          }
        }
        maxSpec[m][x] = best;
        maxSpecId[m][x] = bestId;
      }
    }
    if (t != last.getRounds()) {
      throw new IllegalStateException("applied " + t + " outcomes but the reference counts " + last.getRounds());
    }

    Map<Method, MethodResult> out = new EnumMap<>(Method.class);
    for (int m = 0; m < ms.length; m++) {
      List<Point> series = new ArrayList<>();
      long prevT = -1;
      for (RegretMetrics s : snapshots) {
        long tt = s.getRounds();
        if (tt < 1) {
          continue;
        }
        double v = value(k, ms[m], s, maxSpec[m][(int) tt - 1]);
        if (tt == prevT) {
          series.set(series.size() - 1, new Point(tt, v));
        } else {
          series.add(new Point(tt, v));
        }
        prevT = tt;
      }
      double finalRegret = t == 0 ? Double.NaN : value(k, ms[m], last, maxSpec[m][t - 1]);
      double[] fit = slope(series, slopeMinRounds);
      double lossM = switch (ms[m]) {
        case MECHANISM -> last.getLossMechanism();
        case MEAN -> last.getLossMean();
        case MEDIAN -> last.getLossMedian();
        case MAJORITY -> last.getLossMajority();
      };
      out.put(ms[m], new MethodResult(ms[m], lossM, finalRegret, fit[0], (int) fit[1],
          t == 0 ? Double.NaN : maxSpec[m][t - 1], t == 0 ? null : maxSpecId[m][t - 1],
          List.copyOf(series)));
    }
    return new RegretReport(cohort, k, last.getRounds(), last.getLabelers(), last.getItemsClosed(),
        last.getBestLabelerId(), last.getLossBestLabeler() == null ? Double.NaN : last.getLossBestLabeler(),
        config.eta(), slopeMinRounds, out);
  }

  private static double value(Kind k, Method m, RegretMetrics s, double maxSpecialist) {
    if (k == Kind.MAX_SPECIALIST) {
      return maxSpecialist;
    }
    if (s.getLossBestLabeler() == null) {
      return Double.NaN;
    }
    double best = s.getLossBestLabeler();
    return switch (m) {
      case MECHANISM -> s.getRegret();
      case MEAN -> s.getLossMean() - best;
      case MEDIAN -> s.getLossMedian() - best;
      case MAJORITY -> s.getLossMajority() - best;
    };
  }

  /** {slope, points} of ln(regret) on ln(T) over points with T >= minRounds and regret > 0. */
  public static double[] slope(List<Point> series, long minRounds) {
    List<double[]> xy = new ArrayList<>();
    for (Point p : series) {
      if (p.rounds() >= minRounds && p.regret() > 0 && Double.isFinite(p.regret())) {
        xy.add(new double[] {Math.log(p.rounds()), Math.log(p.regret())});
      }
    }
    int count = xy.size();
    if (count < 2) {
      return new double[] {Double.NaN, count};
    }
    double mx = 0;
    double my = 0;
    for (double[] v : xy) {
      mx += v[0];
      my += v[1];
    }
    mx /= count;
    my /= count;
    double sxx = 0;
    double sxy = 0;
    for (double[] v : xy) {
      sxx += (v[0] - mx) * (v[0] - mx);
      sxy += (v[0] - mx) * (v[1] - my);
    }
    return new double[] {sxx <= 0 ? Double.NaN : sxy / sxx, count};
  }
}
