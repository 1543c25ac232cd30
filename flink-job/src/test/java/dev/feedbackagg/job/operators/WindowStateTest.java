package dev.feedbackagg.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.core.ItemState;
import dev.feedbackagg.core.ReportEvent;
import org.junit.jupiter.api.Test;

class WindowStateTest {

  private static ReportEvent report(String labeler, String promptId, String responseB) {
    return report(labeler, promptId, responseB, 10L);
  }

  private static ReportEvent report(String labeler, String promptId, String responseB, long time) {
    // new String: each report brings its own copies, as when decoded off the network
    return new ReportEvent(
        new LabelerReport(new String("r-" + labeler), new String("c"), new String(promptId),
            new String("a"), new String(responseB), new String(labeler), 0.5, 3, time),
        "reports", 0, 0);
  }

  @Test
  void takesTheInputsOfOneTimeInArrivalOrderAndKeepsTheRest() {
    WindowState w = new WindowState();
    ReportEvent a = report("l1", "p", "b", 20L);
    ReportEvent b = report("l2", "p", "b", 10L);
    ReportEvent c = report("l3", "p", "b", 20L);
    ReportEvent d = report("l4", "p", "b", 30L);
    w.add(a);
    w.add(b);
    w.add(c);
    w.add(d);
    assertThat(w.earliestInput()).isEqualTo(10L);
    assertThat(w.takeReports(15L)).isEmpty();
    assertThat(w.takeReports(20L)).containsExactly(a, c);
    assertThat(w.reports).containsExactly(b, d);
    assertThat(w.takeReports(10L)).containsExactly(b);
    assertThat(w.takeReports(30L)).containsExactly(d);
    assertThat(w.reports).isEmpty();
    assertThat(w.isEmpty()).isTrue();
    assertThat(w.takeOutcomes(30L)).isEmpty();
  }

  @Test
  void aWaitingReportSharesTheItemsStringsAndKeepsItsOwnValues() {
    WindowState w = new WindowState();
    ReportEvent first = report("l1", "p", "b");
    ReportEvent second = report("l2", "p", "b");
    ReportEvent other = report("l3", "p", "b2"); // another response b: keeps its own
    w.add(first);
    w.add(second);
    w.add(other);

    LabelerReport f = first.report;
    assertThat(second.report.getCohort()).isSameAs(f.getCohort());
    assertThat(second.report.getPromptId()).isSameAs(f.getPromptId());
    assertThat(second.report.getResponseAId()).isSameAs(f.getResponseAId());
    assertThat(second.report.getResponseBId()).isSameAs(f.getResponseBId());
    assertThat(other.report.getResponseBId()).isEqualTo("b2");
    assertThat(other.report.getLabelerId()).isEqualTo("l3");
    assertThat(second.report).isEqualTo(report("l2", "p", "b").report);

    // Once the item has state, its strings are the ones shared.
    WindowState held = new WindowState();
    held.item = new ItemState();
    held.item.cohort = "c";
    held.item.promptId = "p";
    held.item.responseAId = "a";
    held.item.responseBId = "b";
    ReportEvent late = report("l4", "p", "b");
    held.add(late);
    assertThat(late.report.getCohort()).isSameAs(held.item.cohort);
    assertThat(late.report.getPromptId()).isSameAs(held.item.promptId);
    assertThat(late.report.getResponseAId()).isSameAs(held.item.responseAId);
    assertThat(late.report.getResponseBId()).isSameAs(held.item.responseBId);
    assertThat(late.report.getLabelerId()).isEqualTo("l4");
  }
}
