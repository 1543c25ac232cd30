package dev.feedbackagg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.core.Eta;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.sim.EventLog;
import dev.feedbackagg.sim.EventLogFile;
import dev.feedbackagg.sim.OutcomeModel;
import dev.feedbackagg.sim.RegretReport;
import dev.feedbackagg.sim.Scenario;
import dev.feedbackagg.sim.Scenarios;
import dev.feedbackagg.sim.World;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `simulate`: generates a scenario's labels and outcomes (dev.feedbackagg.sim) and writes them to
 * Kafka, to an event log file, or (with neither) runs them through the core reference and prints
 * the regret of the mechanism and of the mean, median and majority baselines.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Simulates labelers of varied accuracy and taste, some strategic (MECHANISM.md, \"Strategic"
          + " labelers\"), on a simulated clock. With --kafka it writes the reports and outcomes (Avro"
          + " single-object encoding, key prompt_id) to Kafka; with --out to an Avro event log file;"
          + " with neither it runs them through the core reference and prints, per method, the final"
          + " regret and the slope of ln(regret) on ln(T): against the best labeler in hindsight when"
          + " some labeler labels every item (paper), else the max specialist regret over labelers"
          + " with >= --min-rounds outcomes (crowd)."
    })
final class SimulateCommand implements Callable<Integer> {

  /** The scenario options shared with `audit`. */
  static final class ScenarioOptions {
    @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "paper",
        description = "paper or crowd (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--items", paramLabel = "N", description = "Items (default: the scenario's).")
    Integer items;

    @Option(names = "--seed", paramLabel = "S", description = "Seed; for audit the first of --seeds seeds (default: the scenario's, 1).")
    Long seed;

    @Option(names = "--gold-rate", paramLabel = "R",
        description = "Fraction of items whose outcome is revealed (default: the scenario's).")
    Double goldRate;

    @Option(names = "--delay", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Outcome reveal delay after the item closes (default: the scenario's).")
    Duration delay;

    @Option(names = "--item-interval", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Simulated time between items (default: the scenario's).")
    Duration itemInterval;

    @Option(names = "--label-spread", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Labels of an item arrive within this time of its opening (default: the scenario's).")
    Duration labelSpread;

    @Option(names = "--outcome-model", paramLabel = "MODEL",
        description = "bernoulli (y ~ Bernoulli(q), labelers perceive q), soft (y = q) or binary"
            + " (labelers perceive the realised y) (default: the scenario's, bernoulli).")
    String outcomeModel;

    @Option(names = "--cohort", description = "Cohort of every event (default: the scenario name).")
    String cohort;

    @Option(names = "--start-time", paramLabel = "TIME",
        description = "Simulated clock start: epoch ms or ISO-8601 instant (default: 2025-01-01T00:00:00Z).")
    String startTime;

    @Option(names = "--print-scenario", description = "Print the scenario's parameters and exit.")
    boolean printScenario;

    /** The scenario with the overrides; IllegalArgumentException names a bad value. */
    Scenario build(Integer defaultItems) {
      Scenario s = Scenarios.byName(scenario);
      Integer n = items != null ? items : defaultItems;
      if (n != null) {
        s = s.withItems(n);
      }
      if (seed != null) {
        s = s.withSeed(seed);
      }
      if (goldRate != null) {
        s = s.withGoldRate(goldRate);
      }
      if (delay != null) {
        s = s.withOutcomeDelayMs(delay.toMillis());
      }
      if (itemInterval != null) {
        s = s.withItemIntervalMs(itemInterval.toMillis());
      }
      if (labelSpread != null) {
        s = s.withLabelSpreadMs(labelSpread.toMillis());
      }
      if (outcomeModel != null) {
        s = s.withOutcomeModel(OutcomeModel.parse(outcomeModel));
      }
      if (cohort != null) {
        s = s.withCohort(cohort);
      }
      if (startTime != null) {
        s = s.withStartTimeMs(parseTime(startTime));
      }
      return s;
    }

    static long parseTime(String v) {
      String t = v.trim();
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        try {
          return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e2) {
          throw new IllegalArgumentException("start-time: '" + v + "' is neither epoch ms nor an ISO-8601 instant");
        }
      }
    }
  }

  @Spec CommandSpec spec;

  @Mixin ScenarioOptions scenarioOptions = new ScenarioOptions();

  @Option(names = "--eta", paramLabel = "E", defaultValue = "0.5",
      description = "Learning rate > 0, or 'paper' = sqrt(8 ln N / T) with N labelers and T outcomes"
          + " (default: ${DEFAULT-VALUE}).")
  String eta;

  @Option(names = "--loss", defaultValue = "brier", description = "brier, absolute or log (default: ${DEFAULT-VALUE}).")
  String loss;

  @Option(names = "--metrics-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Event-time interval of regret snapshots (default: the item interval, one per item).")
  Duration metricsInterval;

  @Option(names = "--min-rounds", defaultValue = "20",
      description = "Outcomes a labeler needs to count in the max specialist regret (default: ${DEFAULT-VALUE}).")
  long minRounds;

  @Option(names = "--slope-min-rounds", paramLabel = "T", defaultValue = "10",
      description = "The slope fit uses snapshots with T >= this and regret > 0 (default: ${DEFAULT-VALUE}).")
  long slopeMinRounds;

  @Option(names = "--regret", paramLabel = "KIND", defaultValue = "auto",
      description = "auto, best (best labeler in hindsight) or specialist (max specialist regret)"
          + " (default: ${DEFAULT-VALUE}).")
  String regret;

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Write the records to this Kafka cluster.")
  String kafka;

  @Option(names = "--reports-topic", defaultValue = "feedback.reports", description = "(default: ${DEFAULT-VALUE})")
  String reportsTopic;

  @Option(names = "--outcomes-topic", defaultValue = "feedback.outcomes", description = "(default: ${DEFAULT-VALUE})")
  String outcomesTopic;

  @Option(names = "--rate", paramLabel = "R",
      description = "Target records per second to Kafka (default: as fast as possible).")
  Double rate;

  @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
      description = "Kafka producer property (repeatable), e.g. security.protocol=SASL_SSL.")
  Map<String, String> kafkaProperty = new LinkedHashMap<>();

  @Option(names = "--out", paramLabel = "FILE",
      description = "Write an Avro object container file of union [LabelerReport, PreferenceOutcome] in"
          + " event-time order.")
  Path out;

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  /** Waits until a moment; replaced in tests so that nothing sleeps. */
  interface Pacer {
    long nanoTime();

    void sleepNanos(long nanos);

    Pacer SYSTEM = new Pacer() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleepNanos(long nanos) {
        LockSupport.parkNanos(nanos);
      }
    };
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter stdout = spec.commandLine().getOut();
    Scenario scenario;
    MechanismConfig config = null;
    RegretReport.Kind kind;
    try {
      scenario = scenarioOptions.build(null);
      kind = parseKind(regret);
      if (rate != null && !(rate > 0 && Double.isFinite(rate))) {
        throw new IllegalArgumentException("rate: " + rate + " must be > 0");
      }
      if (slopeMinRounds < 1) {
        throw new IllegalArgumentException("slope-min-rounds: " + slopeMinRounds + " must be >= 1");
      }
      if (metricsInterval != null && (metricsInterval.isZero() || metricsInterval.isNegative())) {
        throw new IllegalArgumentException("metrics-interval: " + metricsInterval + " must be > 0");
      }
      Loss.parse(loss);
      if (kafka == null && out == null) {
        // Validate the mechanism's options before generating anything.
        long expectedOutcomes = Math.max(1, Math.round(scenario.items() * scenario.goldRate()));
        config = config(scenario, Eta.parse(eta, scenario.labelers().size(), expectedOutcomes));
      }
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return FeedbackAggregation.EXIT_BAD_INPUT;
    }
    if (scenarioOptions.printScenario) {
      stdout.print(scenario.describe());
      stdout.flush();
      return 0;
    }
    EventLog log = World.generate(scenario).events();
    if (kafka == null && out == null) {
      if (eta.trim().equalsIgnoreCase("paper")) { // T: the outcomes actually generated
        config = config.withEta(Eta.paper(scenario.labelers().size(), Math.max(1, log.outcomes().size())));
      }
      RegretReport report = RegretReport.run(log, scenario, config, slopeMinRounds, kind);
      stdout.print(json ? toJson(scenario, report) : toTable(scenario, report));
      stdout.flush();
      return 0;
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("scenario", scenario.name());
    summary.put("cohort", scenario.cohort());
    summary.put("seed", scenario.seed());
    summary.put("items", scenario.items());
    summary.put("reports", log.reports().size());
    summary.put("outcomes", log.outcomes().size());
    if (out != null) {
      try {
        EventLogFile.write(out, log, EventLogFile.metadataOf(scenario));
      } catch (IOException e) {
        err.println("error: cannot write " + out + ": " + e.getMessage());
        err.flush();
        return 1;
      }
      summary.put("out", out.toString());
    }
    if (kafka != null) {
      try (Producer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties())) {
        send(producer, log, reportsTopic, outcomesTopic, rate, Pacer.SYSTEM);
      } catch (Exception e) { // KafkaException (bad configuration, unreachable cluster) or a send failure
        err.println("error: kafka " + kafka + ": " + e.getMessage());
        err.flush();
        return 1;
      }
      summary.put("kafka", kafka);
      summary.put("reports_topic", reportsTopic);
      summary.put("outcomes_topic", outcomesTopic);
    }
    if (json) {
      stdout.println(JSON.writeValueAsString(summary));
    } else {
      stdout.printf(Locale.ROOT, "%s: %d reports and %d outcomes (%d items, seed %d)%s%s%n",
          scenario.name(), log.reports().size(), log.outcomes().size(), scenario.items(), scenario.seed(),
          out == null ? "" : " written to " + out,
          kafka == null ? "" : " sent to " + kafka + " (" + reportsTopic + ", " + outcomesTopic + ")");
    }
    stdout.flush();
    return 0;
  }

  private MechanismConfig config(Scenario s, double e) {
    long interval = metricsInterval != null ? metricsInterval.toMillis() : s.itemIntervalMs();
    long outcomeTimeout = Math.max(MechanismConfig.defaults().outcomeTimeoutMs(),
        2 * (s.outcomeDelayMs() + s.labelSpreadMs() + 60_000L));
    return MechanismConfig.defaults()
        .withEta(e)
        .withLoss(Loss.parse(loss))
        .withMinRounds(minRounds)
        .withMetricsIntervalMs(interval)
        .withOutcomeTimeoutMs(outcomeTimeout);
  }

  private static RegretReport.Kind parseKind(String v) {
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "auto":
        return null;
      case "best":
        return RegretReport.Kind.BEST_LABELER;
      case "specialist":
        return RegretReport.Kind.MAX_SPECIALIST;
      default:
        throw new IllegalArgumentException("regret: unknown '" + v + "' (auto, best or specialist)");
    }
  }

  private Properties producerProperties() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "feedback-aggregation-simulate");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.putAll(kafkaProperty);
    return p;
  }

  /**
   * Sends the log in event-time order (EventLog.merged): reports to one topic, outcomes to the other,
   * key prompt_id (UTF-8), value Avro single-object encoding, no timestamp (the broker's clock; the
   * event time is in the payload). With a rate, record j is sent no earlier than j / rate seconds
   * after the first. Flushes, and fails with the first send error.
   *
   * @return the number of records sent
   */
  static long send(Producer<byte[], byte[]> producer, EventLog log, String reportsTopic,
      String outcomesTopic, Double rate, Pacer pacer) throws Exception {
    SingleObjectCodec<LabelerReport> reports = SingleObjectCodec.of(LabelerReport.class);
    SingleObjectCodec<PreferenceOutcome> outcomes = SingleObjectCodec.of(PreferenceOutcome.class);
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<SpecificRecord> records = log.merged();
    long start = pacer.nanoTime();
    long sent = 0;
    for (SpecificRecord r : records) {
      if (failure.get() != null) {
        break;
      }
      if (rate != null) {
        long due = start + (long) (sent * 1e9 / rate);
        long now = pacer.nanoTime();
        if (due > now) {
          pacer.sleepNanos(due - now);
        }
      }
      ProducerRecord<byte[], byte[]> record;
      if (r instanceof LabelerReport rep) {
        record = new ProducerRecord<>(reportsTopic, utf8(rep.getPromptId()), reports.encode(rep));
      } else {
        PreferenceOutcome o = (PreferenceOutcome) r;
        record = new ProducerRecord<>(outcomesTopic, utf8(o.getPromptId()), outcomes.encode(o));
      }
      producer.send(record, (metadata, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
      });
      sent++;
    }
    producer.flush();
    if (failure.get() != null) {
      throw new IOException("sending to Kafka failed after " + sent + " records: " + failure.get().getMessage(),
          failure.get());
    }
    return sent;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  /** Non-finite numbers as null: JSON has no NaN. */
  static Object num(double v) {
    return Double.isFinite(v) ? v : null;
  }

  static String toJson(Scenario s, RegretReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", s.name());
    m.put("cohort", s.cohort());
    m.put("seed", s.seed());
    m.put("items", s.items());
    m.put("T", r.rounds());
    m.put("N", r.labelers());
    m.put("items_closed", r.itemsClosed());
    m.put("gold_rate", s.goldRate());
    m.put("outcome_model", s.outcomeModel().cliName());
    m.put("eta", r.eta());
    m.put("regret_kind", r.kind().cliName());
    m.put("best_labeler", r.bestLabeler());
    m.put("loss_best_labeler", num(r.lossBestLabeler()));
    m.put("bound_ln_n_over_eta", num(Math.log(r.labelers()) / r.eta()));
    m.put("slope_min_rounds", r.slopeMinRounds());
    for (RegretReport.MethodResult x : r.methods().values()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("loss", num(x.loss()));
      v.put("regret", num(x.regret()));
      v.put("regret_per_round", num(r.rounds() == 0 ? Double.NaN : x.regret() / r.rounds()));
      v.put("slope", num(x.slope()));
      v.put("slope_points", x.slopePoints());
      v.put("max_specialist_regret", num(x.maxSpecialistRegret()));
      v.put("max_specialist_labeler", x.maxSpecialistLabeler());
      m.put(x.method().cliName(), v);
    }
    try {
      return JSON.writeValueAsString(m) + System.lineSeparator();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String toTable(Scenario s, RegretReport r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "scenario %s (cohort %s, seed %d, %s outcomes): T = %d items with outcome of %d closed, N = %d"
            + " labelers, eta %s%n",
        s.name(), s.cohort(), s.seed(), s.outcomeModel().cliName(), r.rounds(), r.itemsClosed(),
        r.labelers(), r.eta()));
    if (r.kind() == RegretReport.Kind.BEST_LABELER) {
      sb.append(String.format(Locale.ROOT,
          "regret against the best labeler in hindsight (%s, loss %.3f); ln(N)/eta = %.3f%n",
          r.bestLabeler(), r.lossBestLabeler(), Math.log(r.labelers()) / r.eta()));
    } else {
      sb.append("regret: max specialist regret over labelers with enough outcomes (no labeler labels every item)")
          .append(System.lineSeparator());
    }
    sb.append(String.format(Locale.ROOT, "%-10s %11s %11s %10s %14s %18s%n", "method", "loss", "regret",
        "regret/T", "slope(T>=" + r.slopeMinRounds() + ")", "max specialist"));
    for (RegretReport.MethodResult x : r.methods().values()) {
      sb.append(String.format(Locale.ROOT, "%-10s %11.3f %11.3f %10.5f %14s %11.3f %-6s%n",
          x.method().cliName(), x.loss(), x.regret(), x.regret() / r.rounds(),
          Double.isNaN(x.slope()) ? "n/a" : String.format(Locale.ROOT, "%.3f", x.slope()),
          x.maxSpecialistRegret(), x.maxSpecialistLabeler() == null ? "" : x.maxSpecialistLabeler()));
    }
    return sb.toString();
  }
}
