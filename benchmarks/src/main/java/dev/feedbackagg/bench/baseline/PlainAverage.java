package dev.feedbackagg.bench.baseline;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.Choice;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerReport;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The plain average of one item: a count and a sum in keyed ValueState; when the count reaches the
 * item's expected_labels (else the default) it emits one AggregatedPreference (preference = mean,
 * no weights, no contributions) and clears the state. No timers, no validation, no duplicate check.
 */
public final class PlainAverage
    extends KeyedProcessFunction<String, LabelerReport, AggregatedPreference> {

  private static final long serialVersionUID = 1L;

  /** (cohort, prompt_id), the same key string as the real job's ItemWindow. */
  public static final class ItemKey implements KeySelector<LabelerReport, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(LabelerReport r) {
      return r.getCohort() + '\u0000' + r.getPromptId();
    }
  }

  /** The running sum of one item. A Flink POJO. */
  public static final class Sum {
    public int count;
    public double total;
    public long lastEventTime;

    public Sum() {}
  }

  private final int defaultExpectedLabels;
  private transient ValueState<Sum> sum;

  public PlainAverage(int defaultExpectedLabels) {
    this.defaultExpectedLabels = defaultExpectedLabels;
  }

  @Override
  public void open(OpenContext openContext) {
    sum = getRuntimeContext().getState(new ValueStateDescriptor<>("sum", Sum.class));
  }

  @Override
  public void processElement(LabelerReport r, Context ctx, Collector<AggregatedPreference> out)
      throws Exception {
    Sum s = sum.value();
    if (s == null) {
      s = new Sum();
    }
    s.count++;
    s.total += r.getPreference();
    s.lastEventTime = Math.max(s.lastEventTime, r.getEventTime());
    Integer expected = r.getExpectedLabels();
    if (s.count < (expected == null ? defaultExpectedLabels : expected)) {
      sum.update(s);
      return;
    }
    sum.clear();
    double mean = s.total / s.count;
    out.collect(
        AggregatedPreference.newBuilder()
            .setCohort(r.getCohort())
            .setPromptId(r.getPromptId())
            .setResponseAId(r.getResponseAId())
            .setResponseBId(r.getResponseBId())
            .setSequence(0L) // no per-cohort order in the baseline
            .setCloseTime(s.lastEventTime)
            .setCloseReason(CloseReason.COMPLETE)
            .setPreference(mean)
            .setChosen(mean > 0.5 ? Choice.A : mean < 0.5 ? Choice.B : Choice.TIE)
            .setConfidence(Math.abs(2 * mean - 1))
            .setEffectiveLabelers(s.count)
            .setLabels(s.count)
            .setMean(mean)
            .setMedian(Double.NaN)
            .setMajority(Double.NaN)
            .setEta(0.0)
            .setContributions(List.of())
            .build());
  }
}
