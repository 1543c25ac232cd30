package dev.feedbackagg.core;

/**
 * The long-lived state of one labeler in one cohort. MECHANISM.md, "State per labeler".
 * A Flink POJO: public fields and a no-argument constructor, so no Kryo is involved.
 */
public final class LabelerState {
  /** D(i): cumulative specialist loss, from the newcomer offset D0. */
  public double specialistLoss;

  /** n(i): items with outcome this labeler reported on. */
  public long rounds;

  /** L(i): cumulative raw loss. */
  public double loss;

  /** R(i): sum over its items of l(p(k), y(k)) - l(r(i,k), y(k)). */
  public double specialistRegret;

  /** Whether the state changed since the last weight snapshot (labeler-weights topic). */
  public boolean changedSinceSnapshot;

  public LabelerState() {}

  public static LabelerState newcomer(double d0) {
    LabelerState s = new LabelerState();
    s.specialistLoss = d0;
    return s;
  }

  /** -eta * D. */
  public double logWeight(double eta) {
    return -eta * specialistLoss;
  }

  public LabelerState copy() {
    LabelerState s = new LabelerState();
    s.specialistLoss = specialistLoss;
    s.rounds = rounds;
    s.loss = loss;
    s.specialistRegret = specialistRegret;
    s.changedSinceSnapshot = changedSinceSnapshot;
    return s;
  }
}
