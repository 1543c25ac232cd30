package dev.feedbackagg.cli;

import dev.feedbackagg.core.Eta;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.baseline.CrowdLabels;
import dev.feedbackagg.core.baseline.CrowdReplay;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `replay`: the mechanism and its baselines on a crowd data set with gold, in the online protocol. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replays a crowd data set (columns item_id, labeler_id, label, gold) through the mechanism:",
      "items in order of first appearance; each item's labels arrive, it closes and is aggregated,",
      "then its gold is revealed when its 1-based index is a multiple of K. Prints accuracy and",
      "mean Brier of the mechanism, mean, median, majority and offline Dawid-Skene EM."
    })
final class ReplayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "CSV file.")
  Path data;

  @Option(
      names = "--gold-every",
      paramLabel = "K",
      defaultValue = "1",
      description = "Reveal the gold of every K-th item (default: ${DEFAULT-VALUE}).")
  int goldEvery;

  @Option(
      names = "--eta",
      paramLabel = "E",
      defaultValue = "0.5",
      description =
          "Learning rate: a number > 0, or 'paper' for sqrt(8 ln N / T) with N labelers and T"
              + " revealed items (default: ${DEFAULT-VALUE}).")
  String eta;

  @Option(
      names = "--loss",
      defaultValue = "brier",
      description = "brier, absolute or log (default: ${DEFAULT-VALUE}).")
  String loss;

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    CrowdReplay.Result r;
    try {
      CrowdLabels labels = CrowdLabels.read(data);
      if (goldEvery < 1) {
        throw new IllegalArgumentException("gold-every: " + goldEvery + " must be >= 1");
      }
      Loss l = Loss.parse(loss);
      double e = Eta.parse(eta, labelerCount(labels), Math.max(1, labels.itemCount() / goldEvery));
      MechanismConfig config =
          MechanismConfig.defaults().withEta(e).withLoss(l).withOutcomeTimeoutMs(Long.MAX_VALUE / 4);
      r = CrowdReplay.run(labels, goldEvery, config);
    } catch (CrowdLabels.CrowdLabelsException | IllegalArgumentException ex) {
      err.println("error: " + ex.getMessage());
      err.flush();
      return FeedbackAggregation.EXIT_BAD_INPUT;
    }
    out.print(json ? toJson(r) : toTable(r));
    out.flush();
    return 0;
  }

  private static long labelerCount(CrowdLabels labels) {
    return labels.labelerCount();
  }

  static String toJson(CrowdReplay.Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append('{')
        .append("\"items\":").append(r.items())
        .append(",\"labelers\":").append(r.labelers())
        .append(",\"gold_every\":").append(r.goldEvery())
        .append(",\"eta\":").append(r.eta());
    for (Map.Entry<String, CrowdReplay.Score> s : r.scores().entrySet()) {
      sb.append(",\"").append(s.getKey()).append("\":{\"accuracy\":")
          .append(s.getValue().accuracy()).append(",\"brier\":")
          .append(s.getValue().brier()).append('}');
    }
    return sb.append("}\n").toString();
  }

  static String toTable(CrowdReplay.Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "%d items, %d labelers, %d labels (%d duplicate labels dropped); gold every %d item(s);"
            + " eta %s; loss %s%n",
        r.items(), r.labelers(), r.labels(), r.duplicateLabels(), r.goldEvery(),
        r.eta(), r.loss().cliName()));
    sb.append(String.format(Locale.ROOT, "%-12s %9s %9s%n", "method", "accuracy", "brier"));
    for (Map.Entry<String, CrowdReplay.Score> s : r.scores().entrySet()) {
      sb.append(String.format(Locale.ROOT, "%-12s %9.4f %9.4f%n",
          s.getKey(), s.getValue().accuracy(), s.getValue().brier()));
    }
    return sb.toString();
  }
}
