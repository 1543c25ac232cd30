package dev.feedbackagg.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedbackagg.job.FeedbackAggregationJob;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Time to drain a pre-filled reports topic, on one warm Flink cluster: the real job (`job
 * --bounded`, heap state), the plain-average baseline with the same settings, the real job with
 * RocksDB state, and Kafka's ConsumerPerformance reading the same topic. Rounds run one after the
 * other, each variant with fresh output topics, group id and transactional id prefix; the order of
 * the variants rotates from round to round. The first --warmup-rounds rounds are shown but left
 * out of the medians.
 *
 * <p>Throughput = reports in the topic / job duration, the duration being the time between the
 * job's RUNNING and FINISHED timestamps (GET /jobs/ID). It includes deploying the tasks and, with
 * exactly-once, the wait for the final checkpoint that commits the last transaction (on average
 * half a checkpoint interval). "processing" uses the largest timestamp of the committed output
 * records (written by the sink's producer when it sent the record) instead of FINISHED.
 */
final class ThroughputBench {
  static final String OURS_ENTRY = "dev.feedbackagg.cli.FeedbackAggregation";
  static final String PLAIN_ENTRY = "dev.feedbackagg.bench.baseline.PlainAverageJob";
  static final List<String> LOAD_METRICS =
      List.of("busyTimeMsPerSecond", "backPressuredTimeMsPerSecond");

  /** What a variant runs. */
  enum Kind {
    OURS("ours", "ours, heap state"),
    PLAIN("plain", "plain average, heap"),
    ROCKSDB("rocksdb", "ours, RocksDB state"),
    RAW("raw", "raw read (ConsumerPerformance)");

    final String key;
    final String label;

    Kind(String key, String label) {
      this.key = key;
      this.label = label;
    }

    static Kind of(String key) {
      for (Kind k : values()) {
        if (k.key.equals(key)) {
          return k;
        }
      }
      throw new Args.Usage("unknown variant " + key + " (ours, plain, rocksdb, raw)");
    }
  }

  /**
   * One row of the table: a kind run from its usual jar (jar null), or an experiment: a build of
   * the real job (kind OURS, heap state) or of the plain average (PLAIN) from another jar, e.g. one
   * with a part of the work left out, to see what that part costs (run.sh decompose).
   */
  record Variant(Kind kind, String key, String label, String jar) {
    static Variant of(String key) {
      Kind k = Kind.of(key);
      return new Variant(k, k.key, k.label, null);
    }

    /** NAME=KIND:JAR, KIND ours or plain. */
    static Variant experiment(String spec) {
      int eq = spec.indexOf('=');
      int colon = spec.indexOf(':', eq + 1);
      if (eq <= 0 || colon < 0) {
        throw new Args.Usage("--experiments: NAME=ours:JAR or NAME=plain:JAR, not " + spec);
      }
      String name = spec.substring(0, eq);
      if (!name.matches("[A-Za-z0-9-]+")) { // part of topic names and job names
        throw new Args.Usage("--experiments: a name is letters, digits and dashes, not " + name);
      }
      Kind k = Kind.of(spec.substring(eq + 1, colon));
      if (k != Kind.OURS && k != Kind.PLAIN) {
        throw new Args.Usage("--experiments: the kind of " + name + " is ours or plain");
      }
      return new Variant(k, name, (k == Kind.OURS ? "ours: " : "plain: ") + name, spec.substring(colon + 1));
    }
  }

  /** Busy and back-pressured time of one vertex, sampled while a job ran. */
  static final class Load {
    double busyAvgSum;
    double busyMaxSum;
    double backPressuredAvgSum;
    double backPressuredMaxSum;
    int samples;

    void add(Map<String, double[]> m) {
      double[] busy = m.get("busyTimeMsPerSecond");
      double[] bp = m.get("backPressuredTimeMsPerSecond");
      if (busy == null || bp == null) {
        return;
      }
      busyAvgSum += busy[2];
      busyMaxSum += busy[1];
      backPressuredAvgSum += bp[2];
      backPressuredMaxSum += bp[1];
      samples++;
    }

    void merge(Load o) {
      busyAvgSum += o.busyAvgSum;
      busyMaxSum += o.busyMaxSum;
      backPressuredAvgSum += o.backPressuredAvgSum;
      backPressuredMaxSum += o.backPressuredMaxSum;
      samples += o.samples;
    }
  }

  /** One measured run. For RAW: durationMs is the fetch time, processingMs the whole tool run. */
  record Run(
      Variant variant,
      int round,
      long durationMs,
      long processingMs,
      long firstOutputMs,
      long outputRecords,
      long checkpoints,
      String jobId,
      Map<String, Load> load) {}

  private final Args a;
  private final FlinkRest rest;
  private final KafkaTopics kafka;
  private final String prefix;
  private final List<Run> runs = new ArrayList<>();
  private final StringBuilder report = new StringBuilder();

  ThroughputBench(Args a, FlinkRest rest, KafkaTopics kafka, String prefix) {
    this.a = a;
    this.rest = rest;
    this.kafka = kafka;
    this.prefix = prefix;
  }

  static Args options() {
    return new Args("throughput")
        .option("--bootstrap-servers", "127.0.0.1:9092", "Kafka")
        .option("--rest", "http://localhost:8081", "Flink REST API")
        .option("--job-jar", "flink-job/target/feedback-aggregation.jar", "the real job's jar")
        .option("--baseline-jar", "benchmarks/target/plain-average-job.jar", "the plain-average job's jar")
        .option("--kafka-lib", "deploy/kafka-broker/target/lib", "Kafka's jars (ConsumerPerformance)")
        .option("--scenario", "crowd", "simulate scenario that fills the topic (crowd: ~4 reports/item; paper: 10)")
        .option("--reports", "2000000", "reports to fill the topic with (items = reports / labels per item)")
        .option("--partitions", "4", "partitions of the reports and outcomes topics")
        .option("--rounds", "3", "rounds, warm-up rounds included")
        .option("--warmup-rounds", "1", "first rounds shown but left out of the medians")
        .option("--variants", "ours,plain,rocksdb,raw", "what each round runs")
        .option("--checkpoint-interval", "5s", "checkpoint interval of both jobs (exactly-once sinks)")
        .option("--parallelism", "2", "parallelism of both jobs")
        .option("--outcome-timeout", "1h", "the real job's --outcome-timeout (its default, 7d, keeps every"
            + " unrevealed item of the topic in state; crowd reveals outcomes 5 min after the close)")
        .option("--job-args", "", "extra arguments of the real job, space-separated (e.g. --kafka-property"
            + " batch.size=262144)")
        .option("--baseline-args", "", "extra arguments of the plain-average job, space-separated (e.g."
            + " --producer-property batch.size=262144 --producer-property linger.ms=20, the real job's"
            + " producer defaults)")
        .option("--job-timeout", "10m", "a job running longer is cancelled and the harness fails")
        .option("--reports-topic", "", "reuse this filled reports topic (its outcomes topic: --outcomes-topic)")
        .option("--outcomes-topic", "", "with --reports-topic")
        .option("--prefix", "", "topic, group and transactional id prefix (default: bench-TIME)")
        .option("--experiments", "", "more rows, comma-separated NAME=ours:JAR or NAME=plain:JAR: the real job"
            + " (heap state) or the plain average from another build, e.g. with a part of the work left out"
            + " (run.sh decompose)")
        .flag("--keep-topics", "keep the topics this run creates");
  }

  String run() throws Exception {
    List<Variant> variants = new ArrayList<>(a.list("--variants").stream().map(Variant::of).toList());
    if (!a.get("--experiments").isBlank()) {
      a.list("--experiments").stream().map(Variant::experiment).forEach(variants::add);
    }
    long jobs = a.integer("--rounds") * variants.stream().filter(v -> v.kind() != Kind.RAW).count();
    rest.checkJobManagerMetaspace(22.0 * jobs + 10); // fail now rather than after minutes
    int partitions = a.integer("--partitions");
    String reportsTopic = a.get("--reports-topic");
    String outcomesTopic = a.get("--outcomes-topic");
    String scenario = a.get("--scenario");
    if (reportsTopic.isEmpty()) {
      reportsTopic = prefix + ".reports";
      outcomesTopic = prefix + ".outcomes";
      kafka.create(reportsTopic, partitions);
      kafka.create(outcomesTopic, partitions);
      long items = Math.max(1, Math.round(a.number("--reports") / (scenario.equals("paper") ? 10.0 : 4.0)));
      fill(scenario, items, reportsTopic, outcomesTopic);
    } else if (outcomesTopic.isEmpty()) {
      throw new Args.Usage("--reports-topic needs --outcomes-topic");
    }
    long reports = kafka.endOffsetSum(reportsTopic);
    long outcomes = kafka.endOffsetSum(outcomesTopic);
    log("input: %,d reports in %s, %,d outcomes in %s", reports, reportsTopic, outcomes, outcomesTopic);

    Map<String, String> jarIds = new LinkedHashMap<>(); // jar path -> id of the uploaded jar
    for (Variant v : variants) {
      String jar = jarOf(v);
      if (jar != null && !jarIds.containsKey(jar)) {
        jarIds.put(jar, rest.upload(Path.of(jar)));
      }
    }

    int rounds = a.integer("--rounds");
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < variants.size(); i++) {
        Variant v = variants.get((i + round) % variants.size()); // the order rotates
        String jarId = jarIds.get(jarOf(v));
        Run r = switch (v.kind()) {
          case OURS, PLAIN -> job(v, round, jarId, reportsTopic, outcomesTopic, "hashmap");
          case ROCKSDB -> job(v, round, jarId, reportsTopic, outcomesTopic, "rocksdb");
          case RAW -> raw(round, reportsTopic, reports);
        };
        runs.add(r);
        log("round %d %-32s %,10.0f reports/s  (%.2f s%s)", round, v.label(),
            reports * 1000.0 / r.durationMs, r.durationMs / 1000.0,
            v.kind() == Kind.RAW ? "" : String.format(Locale.ROOT,
                ", %,d output records, %d checkpoints, first output at %.2f s, last at %.2f s",
                r.outputRecords, r.checkpoints, r.firstOutputMs / 1000.0, r.processingMs / 1000.0));
      }
    }
    table(reports, outcomes, reportsTopic, variants);
    return report.toString();
  }

  /** The jar a variant runs from (null for the raw read). */
  private String jarOf(Variant v) {
    if (v.jar() != null) {
      return v.jar();
    }
    return switch (v.kind()) {
      case OURS, ROCKSDB -> a.get("--job-jar");
      case PLAIN -> a.get("--baseline-jar");
      case RAW -> null;
    };
  }

  private void fill(String scenario, long items, String reportsTopic, String outcomesTopic) throws Exception {
    List<String> cmd = List.of(javaBin(), "-jar", a.get("--job-jar"), "simulate", "--scenario", scenario,
        "--items", Long.toString(items), "--kafka", kafka.bootstrap(), "--reports-topic", reportsTopic,
        "--outcomes-topic", outcomesTopic);
    log("filling %s: %s", reportsTopic, String.join(" ", cmd));
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) {
      throw new IOException("simulate failed: " + out);
    }
    log("%s (%.1f s, generation included)", out, (System.nanoTime() - t0) / 1e9);
  }

  /** The space-separated arguments of an option such as --job-args; none when it is blank. */
  private List<String> extraArgs(String option) {
    String extra = a.get(option).trim();
    return extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
  }

  private Run job(Variant v, int round, String jarId, String reportsTopic, String outcomesTopic, String backend)
      throws Exception {
    String name = prefix + "-r" + round + "-" + v.key();
    List<String> args = new ArrayList<>();
    String entry;
    if (v.kind() == Kind.PLAIN) {
      entry = PLAIN_ENTRY;
      kafka.create(name + ".aggregated", 4);
      args.addAll(extraArgs("--baseline-args"));
    } else {
      entry = OURS_ENTRY;
      args.add("job");
      kafka.createJobOutputs(name);
      args.addAll(List.of("--outcomes-topic", outcomesTopic, "--regret-topic", name + ".regret",
          "--weights-topic", name + ".labeler-weights", "--dlq-topic", name + ".dlq",
          "--outcome-timeout", a.get("--outcome-timeout")));
      args.addAll(extraArgs("--job-args"));
    }
    args.addAll(List.of("--bootstrap-servers", kafka.bootstrap(), "--reports-topic", reportsTopic,
        "--aggregated-topic", name + ".aggregated", "--group-id", name, "--transactional-id-prefix", name,
        "--job-name", name, "--bounded", "--checkpoint-interval",
        Args.jobDuration(a.duration("--checkpoint-interval")), "--parallelism", a.get("--parallelism"),
        "--state-backend", backend));
    rest.awaitFreeSlots(a.integer("--parallelism"), Duration.ofSeconds(60));
    rest.checkJobManagerMetaspace(30);
    String jobId = rest.run(jarId, entry, args);
    Map<String, Load> load = new LinkedHashMap<>();
    long[] nextSample = {System.nanoTime() + 1_000_000_000L};
    JsonNode end = rest.awaitTerminal(jobId, a.duration("--job-timeout"), () -> {
      if (System.nanoTime() >= nextSample[0]) {
        nextSample[0] = System.nanoTime() + 2_000_000_000L;
        sample(jobId, load);
      }
    });
    if (!end.path("state").asText().equals("FINISHED")) {
      throw new IOException("job " + name + " (" + jobId + ") ended " + end.path("state").asText() + ": "
          + rest.rootException(jobId));
    }
    long running = end.path("timestamps").path("RUNNING").asLong();
    long finished = end.path("timestamps").path("FINISHED").asLong();
    long checkpoints = rest.checkpoints(jobId).path("counts").path("completed").asLong();
    KafkaTopics.Scan scan = kafka.scanCommitted(name + ".aggregated");
    return new Run(v, round, finished - running, scan.maxTimestamp() - running, scan.minTimestamp() - running,
        scan.records(), checkpoints, jobId, load);
  }

  private void sample(String jobId, Map<String, Load> load) {
    try {
      JsonNode j = rest.job(jobId);
      long running = j.path("timestamps").path("RUNNING").asLong(0);
      if (running <= 0 || System.currentTimeMillis() - running < 10_000) {
        return; // the first values after the start say nothing (sliding averages over the start-up)
      }
      for (JsonNode vertex : j.path("vertices")) {
        if (!vertex.path("status").asText().equals("RUNNING")) {
          continue;
        }
        Map<String, double[]> m = rest.subtaskMetrics(jobId, vertex.path("id").asText(), LOAD_METRICS);
        load.computeIfAbsent(vertex.path("name").asText(), k -> new Load()).add(m);
      }
    } catch (IOException e) {
      // a sample lost; the job's end is what matters
    }
  }

  private Run raw(int round, String topic, long reports) throws Exception {
    String group = prefix + "-r" + round + "-raw";
    List<String> cmd = List.of(javaBin(), "-Xmx1g", "-cp", a.get("--kafka-lib") + "/*",
        "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", kafka.bootstrap(), "--topic", topic,
        "--num-records", Long.toString(reports), "--group", group,
        "--command-property", "isolation.level=read_committed", "--timeout", "30000");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
      }
    }
    if (p.waitFor() != 0) {
      throw new IOException("ConsumerPerformance failed: " + String.join("\n", lines));
    }
    // "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
    //  rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
    Map<String, String> stats = new LinkedHashMap<>();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("start.time")) {
        String[] names = lines.get(i).split(",\\s*");
        String[] values = lines.get(i + 1).split(",\\s*");
        for (int k = 0; k < Math.min(names.length, values.length); k++) {
          stats.put(names[k].trim(), values[k].trim());
        }
      }
    }
    if (!stats.containsKey("fetch.time.ms") || !stats.containsKey("data.consumed.in.nMsg")) {
      throw new IOException("unexpected ConsumerPerformance output: " + String.join("\n", lines));
    }
    long consumed = Long.parseLong(stats.get("data.consumed.in.nMsg"));
    if (consumed < reports) {
      throw new IOException("ConsumerPerformance read " + consumed + " of " + reports + " records");
    }
    long fetchMs = Long.parseLong(stats.get("fetch.time.ms"));
    long totalMs = fetchMs + Long.parseLong(stats.get("rebalance.time.ms"));
    return new Run(Variant.of("raw"), round, fetchMs, totalMs, 0, consumed, 0, null, Map.of());
  }

  private void table(long reports, long outcomes, String reportsTopic, List<Variant> variants) {
    int warm = a.integer("--warmup-rounds");
    int rounds = a.integer("--rounds");
    out("");
    out("End-to-end throughput: %,d reports (%s, %s partitions) and %,d outcomes, topic %s", reports,
        a.get("--scenario"), a.get("--partitions"), outcomes, reportsTopic);
    out("jobs: parallelism %s, exactly-once (checkpoint every %s, transactional KafkaSink), --bounded;"
        + " rounds: %d, the first %d warm-up (shown, not in the medians); order rotates per round",
        a.get("--parallelism"), Args.jobDuration(a.duration("--checkpoint-interval")), rounds, warm);
    out("producers: the real job's sinks batch.size=%s, linger.ms=%s (its defaults); the plain average's"
        + " Kafka's defaults (16384, 5)", FeedbackAggregationJob.BATCH_SIZE, FeedbackAggregationJob.LINGER_MS);
    if (!a.get("--job-args").isBlank()) {
      out("extra arguments of the real job: %s", a.get("--job-args").trim());
    }
    if (!a.get("--baseline-args").isBlank()) {
      out("extra arguments of the plain average: %s", a.get("--baseline-args").trim());
    }
    out("reports/s = reports / (FINISHED - RUNNING) from GET /jobs/ID; raw read = reports / fetch.time.ms"
        + " of one ConsumerPerformance consumer (read_committed)");
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-32s", "variant (reports/s)"));
    for (int r = 0; r < rounds; r++) {
      head.append(String.format(Locale.ROOT, " %10s", r < warm ? "warm-up" + (warm > 1 ? r + 1 : "") : "round " + (r - warm + 1)));
    }
    head.append(String.format(Locale.ROOT, " %10s %9s %12s", "median", "median s", "processing*"));
    out("%s", head);
    Map<Variant, Double> median = new LinkedHashMap<>();
    for (Variant v : variants) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-32s", abbreviate(v.label(), 32)));
      List<Double> rates = new ArrayList<>();
      List<Double> secs = new ArrayList<>();
      List<Double> proc = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        Run run = find(v, r);
        double rate = reports * 1000.0 / run.durationMs;
        row.append(String.format(Locale.ROOT, " %,10.0f", rate));
        if (r >= warm) {
          rates.add(rate);
          secs.add(run.durationMs / 1000.0);
          proc.add(reports * 1000.0 / run.processingMs);
        }
      }
      double m = median(rates);
      median.put(v, m);
      row.append(String.format(Locale.ROOT, " %,10.0f %9.2f %,12.0f", m, median(secs), median(proc)));
      out("%s", row);
    }
    out("* processing: reports / (last committed output record's timestamp - RUNNING), i.e. without the"
        + " wait for the final checkpoint; for the raw read: reports / (fetch + group join time)");
    Double ours = median.get(Variant.of("ours"));
    Double plain = median.get(Variant.of("plain"));
    Double rocks = median.get(Variant.of("rocksdb"));
    Double raw = median.get(Variant.of("raw"));
    if (ours != null && plain != null) {
      out("ours / plain average   = %.2f   goal >= 0.80: %s", ours / plain, ours / plain >= 0.8 ? "MET" : "NOT MET");
    }
    if (ours != null && raw != null) {
      out("ours / raw read        = %.2f", ours / raw);
    }
    if (ours != null && rocks != null) {
      out("rocksdb / heap         = %.2f", rocks / ours);
    }
    if (ours != null) {
      out("ours median            = %,.0f reports/s   goal >= 250,000: %s", ours, ours >= 250_000 ? "MET" : "NOT MET");
    }
    // Output sanity and where the time goes.
    out("");
    out("output records per job run (committed, read_committed) and completed checkpoints:");
    for (Variant v : variants) {
      if (v.kind() == Kind.RAW) {
        continue;
      }
      StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "  %-30s", abbreviate(v.label(), 30)));
      for (int r = 0; r < rounds; r++) {
        Run run = find(v, r);
        s.append(String.format(Locale.ROOT, " %,d/%d", run.outputRecords, run.checkpoints));
      }
      out("%s", s);
    }
    out("");
    out("vertex load while the measured rounds ran: busyTimeMsPerSecond and backPressuredTimeMsPerSecond (Flink's"
        + " 60 s sliding averages, REST subtask metrics sampled every 2 s from 10 s after the start, refreshed by"
        + " Flink every 10 s);");
    out("avg = mean over subtasks, hot = the busiest subtask; each the mean over the samples (a job shorter than"
        + " 10 s has none)");
    out("  %-22s %-62s %8s %8s %8s %8s %4s", "variant", "vertex", "busy avg", "busy hot", "bp avg", "bp hot", "n");
    for (Variant v : variants) {
      if (v.kind() == Kind.RAW) {
        continue;
      }
      Map<String, Load> merged = new LinkedHashMap<>();
      for (Run run : runs) {
        if (run.variant.equals(v) && run.round >= warm) {
          run.load.forEach((k, l) -> merged.computeIfAbsent(k, x -> new Load()).merge(l));
        }
      }
      merged.entrySet().removeIf(e -> e.getValue().samples == 0);
      merged.forEach((vertex, l) -> out("  %-22s %-62s %8.0f %8.0f %8.0f %8.0f %4d", abbreviate(v.label(), 22),
          abbreviate(vertex, 62), l.busyAvgSum / l.samples, l.busyMaxSum / l.samples,
          l.backPressuredAvgSum / l.samples, l.backPressuredMaxSum / l.samples, l.samples));
    }
  }

  private Run find(Variant v, int round) {
    return runs.stream().filter(r -> r.variant.equals(v) && r.round == round).findFirst().orElseThrow();
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String abbreviate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 3) + "...";
  }

  private void out(String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args);
    System.out.println(line);
    report.append(line).append('\n');
  }

  static void log(String format, Object... args) {
    System.err.println("e2e: " + String.format(Locale.ROOT, format, args));
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
