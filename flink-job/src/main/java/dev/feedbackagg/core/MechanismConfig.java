package dev.feedbackagg.core;

import java.io.Serializable;

/**
 * What the mechanism of one job needs to know. MECHANISM.md for each parameter.
 *
 * @param eta learning rate, finite and > 0
 * @param loss the loss function
 * @param newcomerOffset D0, the specialist loss a new labeler starts with (>= 0)
 * @param minRounds labelers with fewer rounds are left out of the max specialist regret
 * @param metricsIntervalMs event-time interval of regret and weight snapshots
 * @param outcomeTimeoutMs a closed item whose outcome has not come after this long is dropped
 */
public record MechanismConfig(
    double eta,
    Loss loss,
    double newcomerOffset,
    long minRounds,
    long metricsIntervalMs,
    long outcomeTimeoutMs)
    implements Serializable {

  public static final long DEFAULT_MIN_ROUNDS = 20;

  public MechanismConfig {
    Checks.positive("eta", eta);
    if (loss == null) {
      throw new IllegalArgumentException("loss: missing");
    }
    Checks.nonNegative("newcomer offset D0", newcomerOffset);
    Checks.atLeast("min rounds", minRounds, 0);
    Checks.atLeast("metrics interval ms", metricsIntervalMs, 1);
    Checks.atLeast("outcome timeout ms", outcomeTimeoutMs, 1);
  }

  /** Defaults of MECHANISM.md: eta 0.5, Brier, D0 = 0, min_rounds 20; 1 min metrics, 7 d outcome timeout. */
  public static MechanismConfig defaults() {
    return new MechanismConfig(
        Eta.DEFAULT, Loss.BRIER, 0.0, DEFAULT_MIN_ROUNDS, 60_000L, 7L * 24 * 3600 * 1000);
  }

  public MechanismConfig withEta(double newEta) {
    return new MechanismConfig(
        newEta, loss, newcomerOffset, minRounds, metricsIntervalMs, outcomeTimeoutMs);
  }

  public MechanismConfig withLoss(Loss newLoss) {
    return new MechanismConfig(
        eta, newLoss, newcomerOffset, minRounds, metricsIntervalMs, outcomeTimeoutMs);
  }

  public MechanismConfig withNewcomerOffset(double d0) {
    return new MechanismConfig(eta, loss, d0, minRounds, metricsIntervalMs, outcomeTimeoutMs);
  }

  public MechanismConfig withMinRounds(long rounds) {
    return new MechanismConfig(
        eta, loss, newcomerOffset, rounds, metricsIntervalMs, outcomeTimeoutMs);
  }

  public MechanismConfig withMetricsIntervalMs(long ms) {
    return new MechanismConfig(eta, loss, newcomerOffset, minRounds, ms, outcomeTimeoutMs);
  }

  public MechanismConfig withOutcomeTimeoutMs(long ms) {
    return new MechanismConfig(eta, loss, newcomerOffset, minRounds, metricsIntervalMs, ms);
  }
}
