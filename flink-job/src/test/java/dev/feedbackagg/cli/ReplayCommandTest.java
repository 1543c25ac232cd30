package dev.feedbackagg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The `replay` subcommand run in-process on the real crowd data sets of /work/shared/data
 * (README there: RTE 800 items / 164 labelers, TEMP 462 / 76) and on bad input.
 */
class ReplayCommandTest {
  private static final Set<String> KEYS =
      Set.of("items", "labelers", "gold_every", "eta", "mechanism", "mean", "median", "majority",
          "dawid_skene");
  private static final List<String> METHODS =
      List.of("mechanism", "mean", "median", "majority", "dawid_skene");

  @TempDir Path tmp;

  /** Exit code, stdout and stderr of one run. */
  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = FeedbackAggregation.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int exit = cmd.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  static Path dataDir() {
    String configured = System.getProperty("shared.data.dir");
    Path dir =
        configured != null
            ? Path.of(configured)
            : Path.of(System.getProperty("user.dir")).resolve("../../shared/data").normalize();
    if (!Files.isDirectory(dir)) {
      fail("the shared data directory " + dir.toAbsolutePath() + " does not exist; set the system"
          + " property shared.data.dir to the folder holding snow2008-rte.csv and snow2008-temp.csv");
    }
    return dir;
  }

  static Path dataFile(String name) {
    Path f = dataDir().resolve(name);
    if (!Files.isRegularFile(f)) {
      fail("data file " + f.toAbsolutePath() + " is missing");
    }
    return f;
  }

  @ParameterizedTest(name = "{0} K={3}")
  @CsvSource({
    "snow2008-rte.csv, 800, 164, 1",
    "snow2008-rte.csv, 800, 164, 10",
    "snow2008-temp.csv, 462, 76, 1",
    "snow2008-temp.csv, 462, 76, 10"
  })
  void replayOnRealDataBeatsMeanMedianAndMajority(String file, int items, int labelers, int k)
      throws IOException {
    String path = dataFile(file).toString();
    String ctx = file + " K=" + k;
    Run first = run("replay", "--data", path, "--gold-every", String.valueOf(k), "--json");
    assertThat(first.exit()).as("%s: exit code; stderr: %s", ctx, first.err()).isZero();
    assertThat(first.err()).as("%s: stderr", ctx).isEmpty();

    JsonNode json = new ObjectMapper().readTree(first.out());
    assertThat(json.isObject()).as("%s: one JSON object: %s", ctx, first.out()).isTrue();
    Set<String> keys = new TreeSet<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).as("%s: keys", ctx).containsExactlyInAnyOrderElementsOf(KEYS);
    assertThat(json.get("items").asInt()).as("%s: items", ctx).isEqualTo(items);
    assertThat(json.get("items").isIntegralNumber()).as("%s: items is an integer", ctx).isTrue();
    assertThat(json.get("labelers").asInt()).as("%s: labelers", ctx).isEqualTo(labelers);
    assertThat(json.get("gold_every").asInt()).as("%s: gold_every", ctx).isEqualTo(k);
    assertThat(json.get("eta").asDouble()).as("%s: eta (default)", ctx).isEqualTo(0.5);
    for (String method : METHODS) {
      JsonNode m = json.get(method);
      assertThat(m.isObject()).as("%s: %s is an object", ctx, method).isTrue();
      List<String> fields = new ArrayList<>();
      m.fieldNames().forEachRemaining(fields::add);
      assertThat(fields).as("%s: fields of %s", ctx, method)
          .containsExactlyInAnyOrder("accuracy", "brier");
      assertThat(m.get("accuracy").isNumber()).as("%s: %s accuracy is a number", ctx, method).isTrue();
      assertThat(m.get("brier").isNumber()).as("%s: %s brier is a number", ctx, method).isTrue();
      assertThat(m.get("accuracy").asDouble()).as("%s: %s accuracy", ctx, method).isBetween(0.0, 1.0);
      assertThat(m.get("brier").asDouble()).as("%s: %s brier", ctx, method).isBetween(0.0, 1.0);
    }
    double accuracy = json.get("mechanism").get("accuracy").asDouble();
    double brier = json.get("mechanism").get("brier").asDouble();
    for (String baseline : List.of("mean", "median", "majority")) {
      assertThat(accuracy).as("%s: mechanism accuracy vs %s", ctx, baseline)
          .isGreaterThan(json.get(baseline).get("accuracy").asDouble());
      assertThat(brier).as("%s: mechanism Brier vs %s", ctx, baseline)
          .isLessThan(json.get(baseline).get("brier").asDouble());
    }

    Run second = run("replay", "--data", path, "--gold-every", String.valueOf(k), "--json");
    assertThat(second).as("%s: a second run prints the same", ctx).isEqualTo(first);
  }

  @Test
  void theTableIsPrintedWithoutJsonAndIsReproducible() {
    String path = dataFile("snow2008-temp.csv").toString();
    Run first = run("replay", "--data", path);
    assertThat(first.exit()).as("stderr: %s", first.err()).isZero();
    assertThat(first.out()).startsWith("462 items, 76 labelers, 4620 labels");
    for (String method : METHODS) {
      assertThat(first.out()).contains("\n" + method + " ");
    }
    assertThat(run("replay", "--data", path)).isEqualTo(first);
  }

  @Test
  void thePaperRateIsAccepted() throws IOException {
    Run r = run("replay", "--data", dataFile("snow2008-temp.csv").toString(), "--eta", "paper",
        "--json");
    assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
    // sqrt(8 ln N / T) with N = 76 labelers and T = 462 revealed items.
    assertThat(new ObjectMapper().readTree(r.out()).get("eta").asDouble())
        .isEqualTo(Math.sqrt(8 * Math.log(76) / 462));
  }

  // ---------------------------------------------------------------------------------------------
  // Bad input: one line on stderr, exit code 2, nothing on stdout.
  // ---------------------------------------------------------------------------------------------

  private static void assertBadInput(Run r, String... mentions) {
    assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isEqualTo(FeedbackAggregation.EXIT_BAD_INPUT);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).as("stdout").isEmpty();
    String err = r.err();
    assertThat(err).as("stderr ends with one line break").endsWith(System.lineSeparator());
    String line = err.substring(0, err.length() - System.lineSeparator().length());
    assertThat(line).as("stderr is one line: %s", err).doesNotContain("\n").doesNotContain("\r");
    assertThat(line).as("stderr").isNotBlank();
    for (String m : mentions) {
      assertThat(line).as("stderr").contains(m);
    }
  }

  private Path write(String name, String content) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void aFileWithoutTheGoldColumnIsRejected() throws IOException {
    Path f = write("no-gold.csv", "item_id,labeler_id,label\n1,a,1\n");
    assertBadInput(run("replay", "--data", f.toString()), "no-gold.csv", "gold");
  }

  @ParameterizedTest(name = "label {0}")
  @ValueSource(strings = {"1.5", "-0.5", "2", "NaN", "x"})
  void aLabelOutsideTheUnitIntervalIsRejected(String label) throws IOException {
    Path f = write("bad-label.csv", "item_id,labeler_id,label,gold\n1,a,1,1\n1,b," + label + ",1\n");
    assertBadInput(run("replay", "--data", f.toString(), "--json"), "bad-label.csv", "label", label);
  }

  @Test
  void aFileWithOnlyAHeaderIsRejected() throws IOException {
    Path f = write("header-only.csv", "item_id,labeler_id,label,gold\n");
    assertBadInput(run("replay", "--data", f.toString()), "header-only.csv", "no rows");
  }

  @Test
  void anEmptyFileIsRejected() throws IOException {
    Path f = write("empty.csv", "");
    assertBadInput(run("replay", "--data", f.toString()), "empty.csv");
  }

  @Test
  void aMissingFileIsRejected() {
    Path f = tmp.resolve("does-not-exist.csv");
    assertBadInput(run("replay", "--data", f.toString()), "does-not-exist.csv");
  }

  @ParameterizedTest(name = "--eta {0}")
  @ValueSource(strings = {"abc", "0", "-1", "NaN", "Infinity", ""})
  void aBadEtaIsRejected(String eta) {
    assertBadInput(
        run("replay", "--data", dataFile("snow2008-temp.csv").toString(), "--eta", eta), "eta");
  }

  @Test
  void aBadLossOrGoldEveryIsRejected() {
    String path = dataFile("snow2008-temp.csv").toString();
    assertBadInput(run("replay", "--data", path, "--loss", "hinge"), "loss", "hinge");
    assertBadInput(run("replay", "--data", path, "--gold-every", "0"), "gold-every", "0");
  }

  @Test
  void theDataFilesHaveTheReadmeCounts() throws IOException {
    // Independent of the code under test: count the CSV rows, items and labelers here.
    for (String[] c : new String[][] {{"snow2008-rte.csv", "800", "164"}, {"snow2008-temp.csv", "462", "76"}}) {
      Set<String> items = new TreeSet<>();
      Set<String> labelers = new TreeSet<>();
      Iterator<String> lines = Files.readAllLines(dataFile(c[0])).iterator();
      String header = lines.next();
      assertThat(header).isEqualTo("item_id,labeler_id,label,gold");
      while (lines.hasNext()) {
        String[] f = lines.next().split(",");
        items.add(f[0]);
        labelers.add(f[1]);
      }
      assertThat(items).as(c[0]).hasSize(Integer.parseInt(c[1]));
      assertThat(labelers).as(c[0]).hasSize(Integer.parseInt(c[2]));
    }
  }
}
