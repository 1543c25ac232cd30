package dev.feedbackagg.cli;

import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.core.Eta;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.report.DemoReport;
import dev.feedbackagg.report.RunRecords;
import dev.feedbackagg.report.TopicReader;
import dev.feedbackagg.sim.Audit;
import dev.feedbackagg.sim.RegretReport;
import dev.feedbackagg.sim.Scenario;
import dev.feedbackagg.sim.World;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `report`: reads a job run's regret and labeler-weight topics (read_committed), optionally
 * following them live with a progress line, and writes the demo report: HTML with charts of
 * regret against T and of the labeler weights, the truthfulness audit, and summary.json.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Reads the job's regret and labeler-weight topics for one simulated scenario and"
        + " writes an HTML report with charts (regret against T, labeler weights) and the audit.")
public final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin SimulateCommand.ScenarioOptions scenarioOptions;

  @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "(default: ${DEFAULT-VALUE})")
  String bootstrap;

  @Option(names = "--regret-topic", defaultValue = "feedback.regret", description = "(default: ${DEFAULT-VALUE})")
  String regretTopic;

  @Option(names = "--weights-topic", defaultValue = "feedback.labeler-weights", description = "(default: ${DEFAULT-VALUE})")
  String weightsTopic;

  @Option(names = "--eta", defaultValue = "0.5", description = "The job's eta (default: ${DEFAULT-VALUE}).")
  double eta;

  @Option(names = "--follow", description = "Print a progress line for every regret snapshot as it comes.")
  boolean follow;

  @Option(names = "--wait", defaultValue = "10m", converter = DurationConverter.class,
      description = "How long to wait for the end-of-input snapshot (default: ${DEFAULT-VALUE}).")
  Duration wait;

  @Option(names = "--audit-seeds", defaultValue = "30", description = "Seeds of the truthfulness audit; 0 skips it (default: ${DEFAULT-VALUE}).")
  int auditSeeds;

  @Option(names = "--audit-items", defaultValue = "1000", description = "Items per audit run (default: ${DEFAULT-VALUE}).")
  int auditItems;

  @Option(names = "--out", defaultValue = "report", description = "Folder for report.html, the PNGs and summary.json (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--fact", paramLabel = "KEY=VALUE", description = "A line for the report's run table (repeatable).")
  Map<String, String> facts = new LinkedHashMap<>();

  @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", description = "Kafka client property (repeatable).")
  Map<String, String> kafkaProperty = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter stdout = spec.commandLine().getOut();
    Scenario scenario;
    try {
      scenario = scenarioOptions.build(null);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return FeedbackAggregation.EXIT_BAD_INPUT;
    }
    RunRecords records;
    try (TopicReader reader = new TopicReader(bootstrap, regretTopic, weightsTopic, scenario.cohort(), kafkaProperty)) {
      Progress progress = new Progress(err);
      boolean done = reader.read(wait, m -> {
        if (follow) {
          progress.show(m);
        }
      });
      if (follow) {
        err.println();
      }
      if (!done) {
        err.println("error: no end-of-input snapshot for cohort " + scenario.cohort() + " on "
            + regretTopic + " within " + wait + " (was the job stopped with drain?)");
        err.flush();
        return 1;
      }
      records = reader.records();
    }

    // The paper's rate on the same event log, through the core.
    long rounds = records.last().getRounds();
    long n = records.last().getLabelers();
    double paperEta = Eta.paper(Math.max(2, n), Math.max(1, rounds));
    MechanismConfig paperConfig = MechanismConfig.defaults().withEta(paperEta)
        .withMetricsIntervalMs(scenario.itemIntervalMs());
    List<RegretReport.Point> paperCurve =
        RegretReport.run(World.generate(scenario).events(), scenario, paperConfig, 10,
                RegretReport.Kind.BEST_LABELER)
            .method(RegretReport.Method.MECHANISM).series();

    Audit.Result audit = null;
    if (auditSeeds > 0) {
      err.println("running the truthfulness audit (" + auditSeeds + " seeds of " + auditItems + " items) ...");
      err.flush();
      Scenario a = scenario.withItems(auditItems);
      audit = Audit.run(new Audit.Options(a, eta, auditSeeds, a.seed(), Audit.DEFAULT_STRATEGIES, List.of()));
    }
    Map<String, String> runFacts = new LinkedHashMap<>(facts);
    runFacts.put("regret snapshots read", Integer.toString(records.regret().size()));
    runFacts.put("labeler-weight records read", Integer.toString(records.weights().size()));
    DemoReport.Written w = DemoReport.write(out, new DemoReport.Inputs(
        "Online weighted aggregation of strategic labelers: " + scenario.name() + " scenario",
        scenario.describe(), records, eta, paperCurve, paperEta, audit, runFacts));

    stdout.println(table(records, w.finalRegret(), audit));
    stdout.println("report: " + w.html().toAbsolutePath());
    stdout.flush();
    return 0;
  }

  /** The progress line: at most four updates a second, rates since the first snapshot seen. */
  private static final class Progress {
    private final PrintWriter err;
    private long firstNanos = -1;
    private long firstRounds;
    private long lastPrint;

    Progress(PrintWriter err) {
      this.err = err;
    }

    void show(RegretMetrics m) {
      long now = System.nanoTime();
      if (firstNanos < 0) {
        firstNanos = now;
        firstRounds = m.getRounds();
      }
      if (now - lastPrint < 250_000_000L && !m.getEndOfInput()) {
        return;
      }
      lastPrint = now;
      double seconds = Math.max((now - firstNanos) / 1e9, 1e-3);
      err.printf(Locale.ROOT,
          "\r  T %6d   %6.0f items/s   regret: mechanism %8.3f   mean %8.3f   median %8.3f ",
          m.getRounds(), (m.getRounds() - firstRounds) / seconds,
          RunRecords.regretOf(m, RunRecords.Method.MECHANISM),
          RunRecords.regretOf(m, RunRecords.Method.MEAN),
          RunRecords.regretOf(m, RunRecords.Method.MEDIAN));
      err.flush();
    }
  }

  static String table(RunRecords records, Map<String, Double> finals, Audit.Result audit) {
    RegretMetrics last = records.last();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "T %d items with outcome, N %d labelers, best labeler %s%n",
        last.getRounds(), last.getLabelers(), last.getBestLabelerId()));
    sb.append(String.format(Locale.ROOT, "%-22s %12s%n", "method", "final regret"));
    for (Map.Entry<String, Double> e : finals.entrySet()) {
      sb.append(String.format(Locale.ROOT, "%-22s %12.4f%n", e.getKey(), e.getValue()));
    }
    sb.append(String.format(Locale.ROOT, "2 ln N = %.4f%n", 2 * Math.log(last.getLabelers())));
    if (audit != null) {
      sb.append("truthfulness audit: ").append(audit.verdict());
      if (!audit.truthful()) {
        sb.append(" (profitable: ").append(String.join(", ", audit.profitable())).append(')');
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
