package dev.feedbackagg.job;

import dev.feedbackagg.core.ItemPolicy;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.io.InputFormat;
import dev.feedbackagg.io.Decoded;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import java.util.Map;

/** Configurations shared by the job tests. */
final class JobTestSupport {
  private JobTestSupport() {}

  /**
   * The job's bounded out-of-orderness, but with a watermark after every record rather than every
   * 200 ms of processing time: a test's records pass in milliseconds, and the periodic watermarks
   * would never move before the end, leaving the event-time paths untested.
   */
  static WatermarkStrategy<Decoded> watermarkAfterEveryRecord(JobConfig config) {
    long bound = config.maxOutOfOrderness().toMillis();
    return WatermarkStrategy.<Decoded>forGenerator(
            ctx ->
                new WatermarkGenerator<>() {
                  private long max = Long.MIN_VALUE + bound + 1;

                  @Override
                  public void onEvent(Decoded d, long ts, WatermarkOutput out) {
                    if (ts > max) {
                      max = ts;
                      out.emitWatermark(new Watermark(max - bound - 1));
                    }
                  }

                  @Override
                  public void onPeriodicEmit(WatermarkOutput out) {}
                })
        .withTimestampAssigner((d, t) -> FeedbackAggregationJob.eventTime(d));
  }

  /** The configuration the random event logs are made for. */
  static JobConfig randomLogConfig(int parallelism) {
    return randomLogConfig(parallelism, JobConfig.StateBackend.HASHMAP);
  }

  /** The same, on the given state backend. */
  static JobConfig randomLogConfig(int parallelism, JobConfig.StateBackend backend) {
    MechanismConfig mechanism =
        MechanismConfig.defaults()
            .withMetricsIntervalMs(RandomEventLog.METRICS_INTERVAL_MS)
            .withOutcomeTimeoutMs(RandomEventLog.OUTCOME_TIMEOUT_MS)
            .withMinRounds(3);
    ItemPolicy items =
        new ItemPolicy(
            RandomEventLog.DEFAULT_EXPECTED,
            RandomEventLog.ITEM_TIMEOUT_MS,
            RandomEventLog.OUTCOME_TIMEOUT_MS);
    return new JobConfig(
        "test",
        "unused:9092",
        JobConfig.Topics.defaults(),
        InputFormat.AVRO,
        "test",
        true,
        items,
        mechanism,
        Duration.ofMillis(RandomEventLog.MAX_OUT_OF_ORDERNESS_MS),
        Duration.ZERO,
        Duration.ofMillis(50),
        Duration.ZERO,
        backend,
        null,
        parallelism,
        "test",
        Duration.ofMinutes(5),
        Map.of());
  }
}
