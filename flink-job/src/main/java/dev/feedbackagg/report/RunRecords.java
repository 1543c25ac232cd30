package dev.feedbackagg.report;

import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.sim.RegretReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The regret and weight records of one cohort, as a job run wrote them to its topics, and the
 * curves drawn from them (MECHANISM.md, "Regret accounting": the mechanism's regret is the
 * snapshot's `regret`; a baseline's is its cumulative loss minus the best labeler's).
 */
public final class RunRecords {
  /** A forecaster whose regret is drawn. */
  public enum Method {
    MECHANISM,
    MEAN,
    MEDIAN,
    MAJORITY;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final List<RegretMetrics> regret;
  private final List<LabelerWeight> weights;

  /**
   * @param regret one cohort's regret snapshots in the order written (snapshot time)
   * @param weights the same cohort's labeler-weight records in the order written
   */
  public RunRecords(List<RegretMetrics> regret, List<LabelerWeight> weights) {
    this.regret = List.copyOf(regret);
    this.weights = List.copyOf(weights);
  }

  public List<RegretMetrics> regret() {
    return regret;
  }

  public List<LabelerWeight> weights() {
    return weights;
  }

  /** The last snapshot (the end-of-input one when the run ended). */
  public RegretMetrics last() {
    if (regret.isEmpty()) {
      throw new IllegalStateException("no regret snapshot");
    }
    return regret.get(regret.size() - 1);
  }

  /** Regret of a snapshot for a method; NaN when no labeler was present on every item. */
  public static double regretOf(RegretMetrics m, Method method) {
    if (m.getLossBestLabeler() == null) {
      return Double.NaN;
    }
    double best = m.getLossBestLabeler();
    return switch (method) {
      case MECHANISM -> m.getRegret();
      case MEAN -> m.getLossMean() - best;
      case MEDIAN -> m.getLossMedian() - best;
      case MAJORITY -> m.getLossMajority() - best;
    };
  }

  /** One point per distinct T (the last snapshot with that T), in ascending T. */
  public List<RegretReport.Point> curve(Method method) {
    List<RegretReport.Point> points = new ArrayList<>();
    for (RegretMetrics m : regret) {
      double r = regretOf(m, method);
      if (m.getRounds() == 0 || Double.isNaN(r)) {
        continue;
      }
      RegretReport.Point p = new RegretReport.Point(m.getRounds(), r);
      if (!points.isEmpty() && points.get(points.size() - 1).rounds() == m.getRounds()) {
        points.set(points.size() - 1, p);
      } else {
        points.add(p);
      }
    }
    return points;
  }

  /** Least-squares slope of ln(regret) on ln(T) over the points with T >= minRounds, regret > 0. */
  public double slope(Method method, long minRounds) {
    return RegretReport.slope(curve(method), minRounds)[0];
  }
}
