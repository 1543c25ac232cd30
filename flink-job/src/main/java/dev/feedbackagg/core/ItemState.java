package dev.feedbackagg.core;

/** The state of one item while it collects reports, and its closed marker. A Flink POJO. */
public final class ItemState {
  public static final long NONE = Long.MIN_VALUE;

  /** No labels: shared by every item before its first report and after its close (never changed). */
  static final String[] NO_LABELERS = new String[0];

  static final double[] NO_REPORTS = new double[0];

  /** The item's ids (its key); dropped at close, like the responses: a marker is only its times. */
  public String cohort;

  public String promptId;

  /** The responses compared, from the first report; dropped at close (the close carries them). */
  public String responseAId;

  public String responseBId;
  public int expectedLabels;

  /** Event time of the first accepted report, or NONE. */
  public long firstReportTime = NONE;

  /** When the item times out: first report + item timeout; NONE before the first report. */
  public long deadline = NONE;

  /** Accepted reports, in acceptance order; dropped at close. */
  public String[] labelerIds = NO_LABELERS;

  public double[] reports = NO_REPORTS;

  public boolean closed;
  public long closeTime = NONE;

  public boolean hasOutcome;
  public double outcome;
  public long outcomeTime = NONE;

  /** When all state of the item is cleared, or NONE. */
  public long cleanupTime = NONE;

  public ItemState() {}

  /** A field-by-field copy; the arrays are shared (the assembler replaces them, never changes them). */
  public ItemState copy() {
    ItemState c = new ItemState();
    c.cohort = cohort;
    c.promptId = promptId;
    c.responseAId = responseAId;
    c.responseBId = responseBId;
    c.expectedLabels = expectedLabels;
    c.firstReportTime = firstReportTime;
    c.deadline = deadline;
    c.labelerIds = labelerIds;
    c.reports = reports;
    c.closed = closed;
    c.closeTime = closeTime;
    c.hasOutcome = hasOutcome;
    c.outcome = outcome;
    c.outcomeTime = outcomeTime;
    c.cleanupTime = cleanupTime;
    return c;
  }
}
