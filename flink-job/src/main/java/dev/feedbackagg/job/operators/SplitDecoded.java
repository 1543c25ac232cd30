package dev.feedbackagg.job.operators;

import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import dev.feedbackagg.io.Decoded;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Sends decoded records on, and dead letters of the decoder to a side output. */
public final class SplitDecoded {
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("decode-dead-letters", TypeInformation.of(DeadLetter.class));

  private SplitDecoded() {}

  /** For the reports topic. */
  public static final class Reports extends ProcessFunction<Decoded, ReportEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(Decoded d, Context ctx, Collector<ReportEvent> out) {
      if (d.report != null) {
        out.collect(d.report);
      } else {
        ctx.output(DEAD_LETTERS, d.deadLetter);
      }
    }
  }

  /** For the outcomes topic. */
  public static final class Outcomes extends ProcessFunction<Decoded, OutcomeEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(Decoded d, Context ctx, Collector<OutcomeEvent> out) {
      if (d.outcome != null) {
        out.collect(d.outcome);
      } else {
        ctx.output(DEAD_LETTERS, d.deadLetter);
      }
    }
  }
}
