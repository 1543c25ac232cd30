package dev.feedbackagg.job;

import dev.feedbackagg.core.ItemPolicy;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.io.InputFormat;
import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Everything the streaming job is configured with: one typed object, built from the `job`
 * command's options (see the README for each default).
 */
public record JobConfig(
    String jobName,
    String bootstrapServers,
    Topics topics,
    InputFormat reportsFormat,
    String groupId,
    boolean bounded,
    ItemPolicy items,
    MechanismConfig mechanism,
    Duration maxOutOfOrderness,
    Duration idleness,
    Duration watermarkInterval,
    Duration checkpointInterval,
    StateBackend stateBackend,
    String checkpointDir,
    int parallelism,
    String transactionalIdPrefix,
    Duration transactionTimeout,
    Map<String, String> kafkaProperties)
    implements Serializable {

  /** Which Flink state backend keeps the keyed state. */
  public enum StateBackend {
    HASHMAP,
    ROCKSDB;

    public String flinkName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The six topics of ARCHITECTURE.md. */
  public record Topics(
      String reports,
      String outcomes,
      String aggregated,
      String regret,
      String labelerWeights,
      String deadLetters)
      implements Serializable {
    public static Topics defaults() {
      return new Topics(
          "feedback.reports",
          "feedback.outcomes",
          "feedback.aggregated",
          "feedback.regret",
          "feedback.labeler-weights",
          "feedback.dlq");
    }
  }

  public JobConfig {
    if (watermarkInterval.isNegative() || watermarkInterval.isZero()) {
      throw new IllegalArgumentException("watermark-interval: " + watermarkInterval + " must be > 0");
    }
    if (transactionTimeout.compareTo(checkpointInterval) <= 0) {
      throw new IllegalArgumentException(
          "transaction-timeout: " + transactionTimeout + " must be far above the checkpoint interval "
              + checkpointInterval);
    }
    kafkaProperties = Map.copyOf(new TreeMap<>(kafkaProperties));
  }

  /** Kafka client properties for sources and sinks (pass-through, e.g. SASL and TLS). */
  public Properties kafkaClientProperties() {
    Properties p = new Properties();
    p.putAll(kafkaProperties);
    return p;
  }

  /** Property keys whose values are secrets: never printed. */
  static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.contains("jaas")
        || k.contains("token") || k.contains("credential") || k.endsWith(".key")
        || k.contains("key.password") || k.contains("keystore.key");
  }

  /** The Kafka properties with secret values masked, for logs and --help output. */
  public Map<String, String> kafkaPropertiesForLog() {
    Map<String, String> masked = new TreeMap<>();
    kafkaProperties.forEach((k, v) -> masked.put(k, isSecret(k) ? "******" : v));
    return masked;
  }

  @Override
  public String toString() {
    return "JobConfig{job=" + jobName + ", bootstrap=" + bootstrapServers + ", topics=" + topics
        + ", reportsFormat=" + reportsFormat + ", group=" + groupId + ", bounded=" + bounded
        + ", items=" + items + ", mechanism=" + mechanism + ", maxOutOfOrderness=" + maxOutOfOrderness
        + ", idleness=" + idleness + ", watermarkInterval=" + watermarkInterval
        + ", checkpointInterval=" + checkpointInterval
        + ", stateBackend=" + stateBackend + ", checkpointDir=" + checkpointDir
        + ", parallelism=" + parallelism + ", transactionalIdPrefix=" + transactionalIdPrefix
        + ", transactionTimeout=" + transactionTimeout + ", kafka=" + kafkaPropertiesForLog() + "}";
  }
}
