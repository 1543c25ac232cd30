package dev.feedbackagg.core;

import dev.feedbackagg.avro.CloseReason;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/**
 * What the mechanism of a cohort consumes: an item close (with its accepted reports, and the
 * outcome if it came before the close) or an outcome reveal for an item closed earlier.
 * MECHANISM.md, "Ordering and time". A Flink POJO; it travels between ItemWindow and Mechanism.
 */
public final class ItemEvent {
  /** Close or outcome. */
  public enum Kind {
    /** The outcome of an item that closed earlier. Sorts first at equal times. */
    OUTCOME,
    /** An item closes. */
    CLOSE
  }

  /**
   * The order in which events of one cohort at one time are applied: outcomes before closes,
   * then ascending prompt id (MECHANISM.md, "Ordering and time").
   */
  public static final Comparator<ItemEvent> APPLY_ORDER =
      Comparator.comparingLong((ItemEvent e) -> e.time)
          .thenComparing(e -> e.kind)
          .thenComparing(e -> e.promptId);

  public Kind kind;
  public String cohort;
  public String promptId;

  /** Event time: t_close for a close, t_reveal for an outcome. */
  public long time;

  // Close only.
  public String responseAId;
  public String responseBId;
  public CloseReason closeReason;

  /** Ascending. */
  public String[] labelerIds;

  public double[] reports;

  /** For a close: whether an outcome came before the close (applied right after it). */
  public boolean hasOutcome;

  /** The outcome y in [0,1]: of an OUTCOME event, or the held one of a CLOSE. */
  public double outcome;

  /** Where the outcome record was read, for the dead-letter topic; may be null. */
  public String outcomeTopic;

  public int outcomePartition;
  public long outcomeOffset;

  public ItemEvent() {}

  /** A close; labelerIds must be ascending and aligned with reports. */
  public static ItemEvent close(
      String cohort,
      String promptId,
      String responseAId,
      String responseBId,
      long time,
      CloseReason reason,
      String[] labelerIds,
      double[] reports) {
    if (labelerIds.length == 0 || labelerIds.length != reports.length) {
      throw new IllegalArgumentException("reports of item " + promptId + ": " + labelerIds.length
          + " labelers and " + reports.length + " reports (need the same number, at least one)");
    }
    for (int i = 0; i < reports.length; i++) {
      if (!(reports[i] >= 0.0 && reports[i] <= 1.0)) { // the message is built only when needed
        Checks.unitInterval("preference of labeler " + labelerIds[i] + " on item " + promptId, reports[i]);
      }
    }
    ItemEvent e = new ItemEvent();
    e.kind = Kind.CLOSE;
    e.cohort = cohort;
    e.promptId = promptId;
    e.responseAId = responseAId;
    e.responseBId = responseBId;
    e.time = time;
    e.closeReason = reason;
    e.labelerIds = labelerIds;
    e.reports = reports;
    return e;
  }

  /** An outcome reveal. */
  public static ItemEvent outcome(String cohort, String promptId, long time, double outcome) {
    if (!(outcome >= 0.0 && outcome <= 1.0)) {
      Checks.unitInterval("outcome of item " + promptId, outcome);
    }
    ItemEvent e = new ItemEvent();
    e.kind = Kind.OUTCOME;
    e.cohort = cohort;
    e.promptId = promptId;
    e.time = time;
    e.hasOutcome = true;
    e.outcome = outcome;
    return e;
  }

  /** This close with an outcome that was revealed before it closed. */
  public ItemEvent withHeldOutcome(double y) {
    if (!(y >= 0.0 && y <= 1.0)) {
      Checks.unitInterval("outcome of item " + promptId, y);
    }
    this.hasOutcome = true;
    this.outcome = y;
    return this;
  }

  /** Records where the outcome was read. */
  public ItemEvent withOutcomeOrigin(String topic, int partition, long offset) {
    this.outcomeTopic = topic;
    this.outcomePartition = partition;
    this.outcomeOffset = offset;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ItemEvent)) {
      return false;
    }
    ItemEvent e = (ItemEvent) o;
    return kind == e.kind
        && time == e.time
        && hasOutcome == e.hasOutcome
        && Double.compare(outcome, e.outcome) == 0
        && outcomePartition == e.outcomePartition
        && outcomeOffset == e.outcomeOffset
        && Objects.equals(cohort, e.cohort)
        && Objects.equals(promptId, e.promptId)
        && Objects.equals(responseAId, e.responseAId)
        && Objects.equals(responseBId, e.responseBId)
        && closeReason == e.closeReason
        && Arrays.equals(labelerIds, e.labelerIds)
        && Arrays.equals(reports, e.reports)
        && Objects.equals(outcomeTopic, e.outcomeTopic);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, cohort, promptId, time);
  }

  @Override
  public String toString() {
    return kind + "{" + cohort + "/" + promptId + " @" + time
        + (kind == Kind.CLOSE ? " " + Arrays.toString(labelerIds) + "=" + Arrays.toString(reports) : "")
        + (hasOutcome ? " y=" + outcome : "") + "}";
  }
}
