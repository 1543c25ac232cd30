package dev.feedbackagg.core;

import dev.feedbackagg.avro.DeadLetterReason;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference for the whole job: raw reports and outcomes are assembled into items per
 * (cohort, prompt) exactly as the ItemWindow does, and the resulting closes and outcomes are
 * replayed through {@link Reference}. Records that are rejected on the way are listed with their
 * reason. Records rejected before assembly (undecodable, out of range) are the parser's business
 * and do not reach this class.
 */
public final class PipelineReference {
  private final ItemAssembler assembler;
  private final Reference reference;

  public PipelineReference(ItemPolicy policy, MechanismConfig config) {
    this.assembler = new ItemAssembler(policy);
    this.reference = new Reference(config);
  }

  /** A rejected record and its reason. */
  public record Rejection(Object record, DeadLetterReason reason, String message) {}

  /** What the reference emits. */
  public static final class Result {
    public final List<ItemEvent> itemEvents = new ArrayList<>();
    public final List<Rejection> rejections = new ArrayList<>();
    public Reference.Result mechanism;
  }

  private record Key(String cohort, String promptId) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = cohort.compareTo(o.cohort);
      return c != 0 ? c : promptId.compareTo(o.promptId);
    }
  }

  private static final class Timeline {
    final TreeMap<Long, List<ReportEvent>> reports = new TreeMap<>();
    final TreeMap<Long, List<OutcomeEvent>> outcomes = new TreeMap<>();
  }

  public Result run(Collection<ReportEvent> reports, Collection<OutcomeEvent> outcomes) {
    Map<Key, Timeline> byKey = new TreeMap<>();
    for (ReportEvent r : reports) {
      byKey
          .computeIfAbsent(new Key(r.report.getCohort(), r.report.getPromptId()), k -> new Timeline())
          .reports
          .computeIfAbsent(r.time(), t -> new ArrayList<>())
          .add(r);
    }
    for (OutcomeEvent o : outcomes) {
      byKey
          .computeIfAbsent(new Key(o.outcome.getCohort(), o.outcome.getPromptId()), k -> new Timeline())
          .outcomes
          .computeIfAbsent(o.time(), t -> new ArrayList<>())
          .add(o);
    }
    Result result = new Result();
    ItemOutput out =
        new ItemOutput() {
          @Override
          public void emit(ItemEvent event) {
            result.itemEvents.add(event);
          }

          @Override
          public void rejectReport(ReportEvent report, DeadLetterReason reason, String message) {
            result.rejections.add(new Rejection(report, reason, message));
          }

          @Override
          public void rejectOutcome(OutcomeEvent outcome, DeadLetterReason reason, String message) {
            result.rejections.add(new Rejection(outcome, reason, message));
          }
        };
    for (Timeline t : byKey.values()) {
      replayItem(t, out);
    }
    result.mechanism = reference.run(result.itemEvents);
    return result;
  }

  private void replayItem(Timeline t, ItemOutput out) {
    ItemState state = null;
    while (true) {
      long next = Long.MAX_VALUE;
      boolean any = false;
      if (!t.reports.isEmpty()) {
        next = Math.min(next, t.reports.firstKey());
        any = true;
      }
      if (!t.outcomes.isEmpty()) {
        next = Math.min(next, t.outcomes.firstKey());
        any = true;
      }
      long timer = ItemAssembler.nextTimer(state);
      if (timer != ItemState.NONE) {
        next = Math.min(next, timer);
        any = true;
      }
      if (!any) {
        return;
      }
      List<ReportEvent> r = t.reports.remove(next);
      List<OutcomeEvent> o = t.outcomes.remove(next);
      state = assembler.step(state, next, o == null ? List.of() : o, r == null ? List.of() : r, out);
    }
  }
}
