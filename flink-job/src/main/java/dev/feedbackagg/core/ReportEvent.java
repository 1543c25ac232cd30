package dev.feedbackagg.core;

import dev.feedbackagg.avro.LabelerReport;
import java.util.Comparator;

/** A parsed, validated report and where it was read. A Flink POJO. */
public final class ReportEvent implements SourcedRecord<LabelerReport> {
  /**
   * The order in which reports of one item at one event time are taken: by labeler, then report
   * id, then position in the input, so "the first report of a labeler wins" is deterministic.
   */
  public static final Comparator<ReportEvent> ORDER =
      Comparator.comparing((ReportEvent r) -> r.report.getLabelerId())
          .thenComparing(r -> r.report.getReportId())
          .thenComparing(r -> r.topic == null ? "" : r.topic)
          .thenComparingInt(r -> r.partition)
          .thenComparingLong(r -> r.offset);

  public LabelerReport report;
  public String topic;
  public int partition;
  public long offset;

  public ReportEvent() {}

  public ReportEvent(LabelerReport report, String topic, int partition, long offset) {
    this.report = report;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }

  @Override
  public LabelerReport record() {
    return report;
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public int partition() {
    return partition;
  }

  @Override
  public long offset() {
    return offset;
  }

  @Override
  public long time() {
    return report.getEventTime();
  }

  @Override
  public String toString() {
    return "Report{" + report + " @" + topic + "/" + partition + "/" + offset + "}";
  }
}
