package dev.feedbackagg.report;

import dev.feedbackagg.avro.LabelerWeight;
import dev.feedbackagg.avro.RegretMetrics;
import dev.feedbackagg.sim.Audit;
import dev.feedbackagg.sim.RegretReport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The demo's report: a self-contained HTML page (charts embedded as PNG data) plus the PNG files
 * and a summary.json, from the records a job run wrote and what the core computed beside it.
 */
public final class DemoReport {
  /** Where the figures come from. */
  public record Inputs(
      String title,
      String scenarioDescription,
      RunRecords job,
      double jobEta,
      List<RegretReport.Point> paperEtaCurve,
      double paperEta,
      Audit.Result audit,
      Map<String, String> runFacts) {}

  /** What was written. */
  public record Written(Path html, Path regretPng, Path weightsPng, Path summaryJson, Map<String, Double> finalRegret) {}

  static final long SLOPE_MIN_ROUNDS = 10;

  private DemoReport() {}

  public static Written write(Path dir, Inputs in) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Files.createDirectories(dir);
    RegretMetrics last = in.job().last();
    long n = last.getLabelers();
    double bound = Math.log(n) / in.jobEta();

    JFreeChart regretChart = regretChart(in, bound);
    JFreeChart weightsChart = weightsChart(in.job().weights());
    byte[] regretPng = ChartUtils.encodeAsPNG(regretChart.createBufferedImage(900, 560));
    byte[] weightsPng = ChartUtils.encodeAsPNG(weightsChart.createBufferedImage(900, 480));
    Path regretFile = dir.resolve("regret.png");
    Path weightsFile = dir.resolve("weights.png");
    Files.write(regretFile, regretPng);
    Files.write(weightsFile, weightsPng);

    Map<String, Double> finals = new LinkedHashMap<>();
    Map<String, Double> slopes = new LinkedHashMap<>();
    for (RunRecords.Method m : RunRecords.Method.values()) {
      String name = m == RunRecords.Method.MECHANISM ? "mechanism" : m.label();
      finals.put(name, RunRecords.regretOf(last, m));
      slopes.put(name, in.job().slope(m, SLOPE_MIN_ROUNDS));
    }
    List<RegretReport.Point> paper = in.paperEtaCurve();
    if (paper != null && !paper.isEmpty()) {
      finals.put("mechanism_paper_eta", paper.get(paper.size() - 1).regret());
      slopes.put("mechanism_paper_eta", RegretReport.slope(paper, SLOPE_MIN_ROUNDS)[0]);
    }
    double maxMechanism = Double.NEGATIVE_INFINITY;
    for (RegretReport.Point p : in.job().curve(RunRecords.Method.MECHANISM)) {
      maxMechanism = Math.max(maxMechanism, p.regret());
    }

    Path json = dir.resolve("summary.json");
    Files.writeString(json, summaryJson(in, last, bound, maxMechanism, finals, slopes));
    Path html = dir.resolve("report.html");
    Files.writeString(html, html(in, last, bound, maxMechanism, finals, slopes, regretPng, weightsPng));
    return new Written(html, regretFile, weightsFile, json, finals);
  }

  private static JFreeChart regretChart(Inputs in, double bound) {
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(series(String.format(Locale.ROOT, "mechanism, eta = %.2f (job)", in.jobEta()),
        in.job().curve(RunRecords.Method.MECHANISM)));
    if (in.paperEtaCurve() != null && !in.paperEtaCurve().isEmpty()) {
      data.addSeries(series(String.format(Locale.ROOT, "mechanism, paper eta = %.3f (core)", in.paperEta()),
          in.paperEtaCurve()));
    }
    data.addSeries(series("mean (job)", in.job().curve(RunRecords.Method.MEAN)));
    data.addSeries(series("median (job)", in.job().curve(RunRecords.Method.MEDIAN)));
    XYSeries b = new XYSeries(String.format(Locale.ROOT, "ln(N)/eta = %.2f", bound));
    long maxT = in.job().last().getRounds();
    b.add(1, bound);
    b.add(Math.max(2, maxT), bound);
    data.addSeries(b);
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Regret against the best labeler in hindsight", "T (items with outcome)",
            "regret (points <= 0 not drawn)", data);
    XYPlot plot = chart.getXYPlot();
    LogarithmicAxis x = new LogarithmicAxis("T (items with outcome), log scale");
    x.setAllowNegativesFlag(false);
    LogarithmicAxis y = new LogarithmicAxis("regret, log scale (points <= 0 not drawn)");
    y.setAllowNegativesFlag(false);
    double top = bound;
    for (int i = 0; i < data.getSeriesCount(); i++) {
      top = Math.max(top, data.getSeries(i).getMaxY());
    }
    y.setRange(0.01, top * 2);
    plot.setDomainAxis(x);
    plot.setRangeAxis(y);
    style(plot, data.getSeriesCount());
    XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
    Color[] colours = {new Color(192, 57, 43), new Color(41, 128, 185), new Color(39, 174, 96),
        new Color(230, 126, 34), new Color(142, 68, 173)};
    for (int i = 0; i < data.getSeriesCount() - 1; i++) {
      r.setSeriesPaint(i, colours[i % colours.length]);
    }
    r.setSeriesStroke(data.getSeriesCount() - 1, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
        BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    r.setSeriesPaint(data.getSeriesCount() - 1, Color.GRAY);
    return chart;
  }

  private static XYSeries series(String name, List<RegretReport.Point> points) {
    XYSeries s = new XYSeries(name, false, true);
    for (RegretReport.Point p : points) {
      if (p.regret() > 0) {
        s.add(p.rounds(), p.regret());
      }
    }
    return s;
  }

  /** Normalised weights of the labelers after each snapshot (the last record of each labeler). */
  private static JFreeChart weightsChart(List<LabelerWeight> weights) {
    TreeMap<Long, List<LabelerWeight>> bySnapshot = new TreeMap<>();
    for (LabelerWeight w : weights) {
      bySnapshot.computeIfAbsent(w.getSnapshotTime(), t -> new ArrayList<>()).add(w);
    }
    Map<String, Double> logWeight = new TreeMap<>();
    Map<String, Long> rounds = new TreeMap<>();
    Map<String, XYSeries> series = new TreeMap<>();
    long maxRounds = 0;
    for (List<LabelerWeight> snapshot : bySnapshot.values()) {
      for (LabelerWeight w : snapshot) {
        logWeight.put(w.getLabelerId(), w.getLogWeight());
        rounds.put(w.getLabelerId(), w.getRounds());
        maxRounds = Math.max(maxRounds, w.getRounds());
      }
      double max = logWeight.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
      double sum = 0;
      for (double lw : logWeight.values()) {
        sum += Math.exp(lw - max);
      }
      for (Map.Entry<String, Double> e : logWeight.entrySet()) {
        series.computeIfAbsent(e.getKey(), id -> new XYSeries(id, false, true))
            .add(maxRounds, Math.exp(e.getValue() - max) / sum);
      }
    }
    XYSeriesCollection data = new XYSeriesCollection();
    // At most 12 lines: the labelers with the highest final weight.
    List<String> ids = new ArrayList<>(series.keySet());
    ids.sort((a, b) -> Double.compare(logWeight.get(b), logWeight.get(a)));
    for (String id : ids.subList(0, Math.min(12, ids.size()))) {
      data.addSeries(series.get(id));
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Labeler weights over time (normalised, top " + data.getSeriesCount() + ")",
            "T (items with outcome)", "weight", data);
    XYPlot plot = chart.getXYPlot();
    ((NumberAxis) plot.getRangeAxis()).setRange(0, 1);
    style(plot, data.getSeriesCount());
    return chart;
  }

  private static void style(XYPlot plot, int seriesCount) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(220, 220, 220));
    plot.setRangeGridlinePaint(new Color(220, 220, 220));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < seriesCount; i++) {
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(r);
  }

  private static String summaryJson(
      Inputs in, RegretMetrics last, double bound, double maxMechanism, Map<String, Double> finals,
      Map<String, Double> slopes) {
    StringBuilder sb = new StringBuilder("{");
    sb.append("\"cohort\":").append(str(last.getCohort()))
        .append(",\"T\":").append(last.getRounds())
        .append(",\"N\":").append(last.getLabelers())
        .append(",\"eta\":").append(num(in.jobEta()))
        .append(",\"bound_ln_n_over_eta\":").append(num(bound))
        .append(",\"max_mechanism_regret\":").append(num(maxMechanism))
        .append(",\"regret\":{");
    String sep = "";
    for (Map.Entry<String, Double> e : finals.entrySet()) {
      sb.append(sep).append(str(e.getKey())).append(":{\"final\":").append(num(e.getValue()))
          .append(",\"slope\":").append(num(slopes.get(e.getKey()))).append('}');
      sep = ",";
    }
    sb.append('}');
    if (in.audit() != null) {
      sb.append(",\"audit\":{\"verdict\":").append(str(in.audit().verdict()))
          .append(",\"profitable\":").append(in.audit().profitable().stream().map(DemoReport::str)
              .reduce((a, b) -> a + "," + b).map(s -> "[" + s + "]").orElse("[]")).append('}');
    }
    return sb.append("}\n").toString();
  }

  private static String html(
      Inputs in, RegretMetrics last, double bound, double maxMechanism, Map<String, Double> finals,
      Map<String, Double> slopes, byte[] regretPng, byte[] weightsPng) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(esc(in.title()))
        .append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;"
            + "text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
            + ".ok{color:#186a3b}.bad{color:#a93226}pre{background:#f8f8f8;padding:1em;overflow:auto}"
            + "</style></head><body>\n");
    h.append("<h1>").append(esc(in.title())).append("</h1>\n");
    h.append("<h2>Run</h2>\n<table>");
    for (Map.Entry<String, String> f : in.runFacts().entrySet()) {
      h.append("<tr><td>").append(esc(f.getKey())).append("</td><td>").append(esc(f.getValue()))
          .append("</td></tr>");
    }
    h.append(String.format(Locale.ROOT,
        "<tr><td>cohort</td><td>%s</td></tr><tr><td>T (items with outcome)</td><td>%d</td></tr>"
            + "<tr><td>labelers N</td><td>%d</td></tr><tr><td>best labeler in hindsight</td><td>%s</td></tr>",
        esc(last.getCohort()), last.getRounds(), last.getLabelers(), esc(String.valueOf(last.getBestLabelerId()))));
    h.append("</table>\n");

    h.append("<h2>Regret</h2>\n<table><tr><th>method</th><th>regret at final T</th>"
        + "<th>slope of log regret on log T</th></tr>");
    for (Map.Entry<String, Double> e : finals.entrySet()) {
      h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td><td>%.3f</td></tr>",
          esc(e.getKey()), e.getValue(), slopes.get(e.getKey())));
    }
    h.append("</table>\n");
    boolean below = maxMechanism < 2 * Math.log(last.getLabelers());
    h.append(String.format(Locale.ROOT,
        "<p class=\"%s\">The mechanism's regret (eta %.2f) peaked at %.4f; 2 ln N = %.4f, ln(N)/eta = %.4f: %s</p>\n",
        below ? "ok" : "bad", in.jobEta(), maxMechanism, 2 * Math.log(last.getLabelers()), bound,
        below ? "below 2 ln N at every T, as the bound says." : "NOT below 2 ln N at every T."));
    h.append("<p>Curves marked <i>job</i> come from the regret topic written by the Flink job; the "
        + "<i>core</i> curve is the same event log replayed by the core reference with the paper's rate "
        + "sqrt(8 ln N / T). Expected shape: the mechanism stays bounded, mean and median grow with T.</p>\n");
    h.append("<img alt=\"regret against T\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(regretPng)).append("\">\n");
    h.append("<h2>Labeler weights</h2>\n<img alt=\"labeler weights\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(weightsPng)).append("\">\n");

    if (in.audit() != null) {
      Audit.Result a = in.audit();
      h.append("<h2>Truthfulness audit</h2>\n");
      h.append(String.format(Locale.ROOT,
          "<p>Scenario %s, forecaster %s, eta %.2f, %d seeds, %d items: gain = U(strategy) - U(truthful) "
              + "of the labeler, 95%% interval over seeds. Verdict: <b class=\"%s\">%s</b>%s</p>\n",
          esc(a.scenario()), esc(a.forecaster()), a.eta(), a.seeds(), a.items(),
          a.truthful() ? "ok" : "bad", a.verdict(),
          a.truthful() ? "" : " (profitable: " + esc(String.join(", ", a.profitable())) + ")"));
      h.append("<pre>").append(esc(Audit.toTable(a))).append("</pre>\n");
    }
    h.append("<h2>Scenario</h2>\n<pre>").append(esc(in.scenarioDescription())).append("</pre>\n");
    h.append("</body></html>\n");
    return h.toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static String str(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String num(Double d) {
    return d == null || d.isNaN() || d.isInfinite() ? "null" : Double.toString(d);
  }
}
