package dev.feedbackagg.sim;

import java.util.Locale;
import java.util.Objects;

/**
 * One labeler of a scenario and the prior its type is drawn from: bias b(i) ~ N(biasMean,
 * biasSd^2) (taste), noise sd s(i) ~ U[noiseMin, noiseMax] (accuracy), and its default strategy.
 * Members of a colluding {@code group} share one bias draw (one taste) and one strategy; a
 * {@link Role#SYBIL} has no preference of its own and reports exactly what {@code copies} reports.
 */
public record LabelerSpec(
    String id,
    Role role,
    double biasMean,
    double biasSd,
    double noiseMin,
    double noiseMax,
    Strategy strategy,
    String group,
    String copies) {

  /** What the labeler is, for printing, tests and the audit's choice of targets. */
  public enum Role {
    /** Truthful. */
    HONEST,
    /** A selfish labeler playing a non-truthful strategy. */
    STRATEGIC,
    /** Reports uniform noise. */
    SPAMMER,
    /** Member of a colluding group: one taste, one shift. */
    COLLUDER,
    /** A strategic labeler whose reports a Sybil swarm copies. */
    SYBIL_MASTER,
    /** A fresh id that copies its master's report. */
    SYBIL;

    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public LabelerSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(strategy, "strategy");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("labeler id: empty");
    }
    if (!(biasSd >= 0) || !(noiseMin >= 0) || !(noiseMax >= noiseMin) || !Double.isFinite(biasMean)
        || !Double.isFinite(noiseMax) || !Double.isFinite(biasSd)) {
      throw new IllegalArgumentException("labeler " + id + ": bad prior b ~ N(" + biasMean + ", "
          + biasSd + "^2), s ~ U[" + noiseMin + ", " + noiseMax + "]");
    }
    if ((role == Role.SYBIL) != (copies != null)) {
      throw new IllegalArgumentException("labeler " + id + ": a Sybil (and only a Sybil) copies a master");
    }
  }

  /** An independent labeler. */
  public static LabelerSpec of(
      String id, Role role, double biasMean, double biasSd, double noiseMin, double noiseMax,
      Strategy strategy) {
    return new LabelerSpec(id, role, biasMean, biasSd, noiseMin, noiseMax, strategy, null, null);
  }

  /** A Sybil id copying {@code master}. */
  public static LabelerSpec sybil(String id, String master) {
    return new LabelerSpec(id, Role.SYBIL, 0, 0, 0, 0, Strategy.TRUTHFUL, null, master);
  }

  public boolean isSybil() {
    return role == Role.SYBIL;
  }

  /** The prior and the strategy, one line. */
  public String describe() {
    if (isSybil()) {
      return id + " sybil copying " + copies;
    }
    return String.format(Locale.ROOT, "%s %s b~N(%+.2f,%.2f^2) s~U[%.2f,%.2f] %s%s", id, role.cliName(),
        biasMean, biasSd, noiseMin, noiseMax, strategy.name(), group == null ? "" : " group " + group);
  }
}
