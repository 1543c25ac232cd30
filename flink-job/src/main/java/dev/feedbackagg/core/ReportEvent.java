package dev.feedbackagg.core;

import dev.feedbackagg.avro.LabelerReport;
import java.util.Comparator;

/** A parsed, validated report and where it was read. A Flink POJO. */
public final class ReportEvent extends SourcedRecord<LabelerReport> {
  /**
   * The order in which reports of one item at one event time are taken: by labeler, then report
   * id, then position in the input, so "the first report of a labeler wins" is deterministic.
   */
  public static final Comparator<ReportEvent> ORDER =
      Comparator.comparing((ReportEvent r) -> r.report.getLabelerId())
          .thenComparing(r -> r.report.getReportId())
          .thenComparing(INPUT_ORDER);

  public LabelerReport report;

  public ReportEvent() {}

  public ReportEvent(LabelerReport report, String topic, int partition, long offset) {
    super(topic, partition, offset);
    this.report = report;
  }

  /** An event decoded from the bytes {@code encoded} (single-object encoding, header included). */
  public static ReportEvent decoded(LabelerReport report, byte[] encoded, String topic, int partition, long offset) {
    ReportEvent e = new ReportEvent(report, topic, partition, offset);
    e.setEncoded(encoded);
    return e;
  }

  @Override
  public LabelerReport record() {
    return report;
  }

  @Override
  public long time() {
    return report.getEventTime();
  }

  @Override
  public String toString() {
    return describe("Report");
  }
}
