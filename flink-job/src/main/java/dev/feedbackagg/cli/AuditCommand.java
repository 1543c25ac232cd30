package dev.feedbackagg.cli;

import dev.feedbackagg.core.Eta;
import dev.feedbackagg.sim.Audit;
import dev.feedbackagg.sim.Scenario;
import dev.feedbackagg.sim.Strategy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `audit`: the empirical truthfulness audit of a scenario, on the core only (dev.feedbackagg.sim.Audit). */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "For each strategic labeler type of a scenario (or the --target labelers) and each strategy,"
          + " the utility gain U(strategy) - U(truthful) of that labeler, U = -sum over the items it"
          + " labeled of (p(k) - p(i,k))^2, everyone else playing the scenario's strategies; both runs"
          + " on the same seed (common random numbers), averaged over --seeds seeds with a 95% t"
          + " confidence interval. A strategy is profitable when the interval's lower bound is > 0."
          + " Verdict: TRUTHFUL when no strategy is profitable, else NOT_TRUTHFUL. --eta 0 audits plain"
          + " averaging (p(k) = mean of the reports) instead of the mechanism.",
      "Default items: paper " + AuditCommand.PAPER_ITEMS + ", crowd " + AuditCommand.CROWD_ITEMS
          + " (each well under 30 s on 2 cores with 30 seeds)."
    })
final class AuditCommand implements Callable<Integer> {
  static final int PAPER_ITEMS = 1000;
  static final int CROWD_ITEMS = 2000;

  @Spec CommandSpec spec;

  @Mixin SimulateCommand.ScenarioOptions scenarioOptions = new SimulateCommand.ScenarioOptions();

  @Option(names = "--seeds", paramLabel = "S", defaultValue = "30",
      description = "Seeds: --seed .. --seed + S - 1 (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(names = "--eta", paramLabel = "E", defaultValue = "0.5",
      description = "The mechanism's learning rate > 0 or 'paper'; 0 = plain averaging (default: ${DEFAULT-VALUE}).")
  String eta;

  @Option(names = "--target", paramLabel = "ID",
      description = "Labeler to audit (repeatable; a colluder stands for its group, a Sybil for its"
          + " master; 'all' for every labeler). Default: one per strategic type.")
  List<String> targets = new ArrayList<>();

  @Option(names = "--strategies", paramLabel = "LIST", split = ",",
      description = "Deviations to test, e.g. exaggerate:1,shift:0.2,flip,constant,random"
          + " (default: exaggerate:0.5,exaggerate:1,shift:0.1,shift:0.25,flip,constant,random).")
  List<String> strategies = new ArrayList<>();

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Audit.Options options;
    try {
      Scenario s = scenarioOptions.build(
          scenarioOptions.items != null ? null
              : scenarioOptions.scenario.trim().equalsIgnoreCase("crowd") ? CROWD_ITEMS : PAPER_ITEMS);
      if (scenarioOptions.printScenario) {
        out.print(s.describe());
        out.flush();
        return 0;
      }
      double e = parseEta(s);
      List<Strategy> st = new ArrayList<>();
      for (String name : strategies) {
        st.add(Strategy.parse(name));
      }
      if (st.isEmpty()) {
        st = Audit.DEFAULT_STRATEGIES;
      }
      options = new Audit.Options(s, e, seeds, s.seed(), st, targets);
      if (!targets.isEmpty() && !(targets.size() == 1 && targets.get(0).equalsIgnoreCase("all"))) {
        targets.forEach(t -> Audit.target(s, t)); // names a bad id before the long run
      }
    } catch (IllegalArgumentException ex) {
      err.println("error: " + ex.getMessage());
      err.flush();
      return FeedbackAggregation.EXIT_BAD_INPUT;
    }
    Audit.Result r = Audit.run(options);
    out.print(json ? toJson(r, options) : Audit.toTable(r));
    out.flush();
    return 0;
  }

  private double parseEta(Scenario s) {
    String v = eta.trim();
    if (v.equalsIgnoreCase("paper")) {
      return Eta.parse(v, s.labelers().size(), Math.max(1, Math.round(s.items() * s.goldRate())));
    }
    double e;
    try {
      e = Double.parseDouble(v);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException("eta: '" + eta + "' is neither a number >= 0 nor 'paper'");
    }
    if (e == 0.0) {
      return 0.0;
    }
    return Eta.fixed(e);
  }

  static String toJson(Audit.Result r, Audit.Options o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", r.scenario());
    m.put("forecaster", r.forecaster());
    m.put("eta", r.eta());
    m.put("items", r.items());
    m.put("seeds", r.seeds());
    m.put("first_seed", r.firstSeed());
    m.put("gold_rate", o.scenario().goldRate());
    m.put("outcome_model", o.scenario().outcomeModel().cliName());
    List<Object> targets = new ArrayList<>();
    for (Audit.TargetResult t : r.targets()) {
      Map<String, Object> tm = new LinkedHashMap<>();
      tm.put("target", t.target().name());
      tm.put("type", t.target().type());
      tm.put("labelers", t.target().controlled());
      tm.put("labels", t.labels());
      tm.put("truthful_utility", SimulateCommand.num(t.truthfulUtility()));
      Map<String, Object> gains = new LinkedHashMap<>();
      for (Audit.Gain g : t.gains()) {
        Map<String, Object> gm = new LinkedHashMap<>();
        gm.put("gain", SimulateCommand.num(g.mean()));
        gm.put("ci_low", SimulateCommand.num(g.ciLow()));
        gm.put("ci_high", SimulateCommand.num(g.ciHigh()));
        gm.put("sd", SimulateCommand.num(g.sd()));
        gm.put("profitable", g.profitable());
        gains.put(g.strategy().name(), gm);
      }
      tm.put("strategies", gains);
      targets.add(tm);
    }
    m.put("targets", targets);
    m.put("verdict", r.verdict());
    m.put("profitable", r.profitable());
    try {
      return SimulateCommand.JSON.writeValueAsString(m) + System.lineSeparator();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
