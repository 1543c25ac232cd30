package dev.feedbackagg.job.operators;

import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/** Counts dead letters in a Flink metric per reason code (group deadLetters, counter REASON). */
public final class DeadLetterCounter extends RichMapFunction<DeadLetter, DeadLetter> {
  private static final long serialVersionUID = 1L;

  private transient Map<DeadLetterReason, Counter> counters;

  @Override
  public void open(OpenContext openContext) {
    MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("deadLetters");
    counters = new EnumMap<>(DeadLetterReason.class);
    for (DeadLetterReason r : DeadLetterReason.values()) {
      counters.put(r, group.counter(r.name()));
    }
  }

  @Override
  public DeadLetter map(DeadLetter d) {
    counters.get(d.getReason()).inc();
    return d;
  }
}
