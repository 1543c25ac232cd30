package dev.feedbackagg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The `audit` subcommand in-process, with its default sizes for the paper scenario (1000 items, 30
 * seeds from 1): plain averaging rewards exaggeration; the mechanism (eta 0.5) has no profitable
 * deviation.
 */
class AuditCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(SimulateCommandTest.Run r) throws Exception {
    assertThat(r.exit()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  static void checkShape(JsonNode j) {
    assertThat(SimulateCommandTest.keys(j)).containsAll(Set.of("scenario", "forecaster", "eta", "items",
        "seeds", "first_seed", "targets", "verdict", "profitable"));
    assertThat(j.get("targets").size()).isPositive();
    boolean anyProfitable = false;
    for (JsonNode t : j.get("targets")) {
      assertThat(SimulateCommandTest.keys(t)).contains("target", "type", "labelers", "labels",
          "truthful_utility", "strategies");
      for (JsonNode g : t.get("strategies")) {
        assertThat(SimulateCommandTest.keys(g)).containsAll(Set.of("gain", "ci_low", "ci_high", "profitable"));
        assertThat(g.get("ci_low").asDouble()).isLessThanOrEqualTo(g.get("gain").asDouble());
        assertThat(g.get("ci_high").asDouble()).isGreaterThanOrEqualTo(g.get("gain").asDouble());
        assertThat(g.get("profitable").asBoolean()).isEqualTo(g.get("ci_low").asDouble() > 0);
        anyProfitable |= g.get("profitable").asBoolean();
      }
    }
    assertThat(j.get("verdict").asText()).isEqualTo(anyProfitable ? "NOT_TRUTHFUL" : "TRUTHFUL");
    assertThat(j.get("profitable").size() > 0).isEqualTo(anyProfitable);
  }

  @Test
  void plainAveragingRewardsExaggeration() throws Exception {
    JsonNode j = json(SimulateCommandTest.run("audit", "--scenario", "paper", "--eta", "0", "--json"));
    checkShape(j);
    String msg = "seeds 1..30: " + j.toPrettyString();
    assertThat(j.get("forecaster").asText()).isEqualTo("mean");
    assertThat(j.get("seeds").asInt()).isEqualTo(30);
    assertThat(j.get("verdict").asText()).as(msg).isEqualTo("NOT_TRUTHFUL");
    List<String> exaggerationPays = new ArrayList<>();
    for (JsonNode t : j.get("targets")) {
      if (t.get("strategies").get("exaggerate:1").get("profitable").asBoolean()) {
        exaggerationPays.add(t.get("target").asText());
      }
    }
    assertThat(exaggerationPays).as(msg).contains("L05", "L06", "L07");
  }

  @Test
  void theMechanismHasNoProfitableDeviationInPaper() throws Exception {
    JsonNode j = json(SimulateCommandTest.run("audit", "--scenario", "paper", "--json"));
    checkShape(j);
    String msg = "seeds 1..30: " + j.toPrettyString();
    assertThat(j.get("forecaster").asText()).isEqualTo("mechanism");
    assertThat(j.get("eta").asDouble()).isEqualTo(0.5);
    assertThat(j.get("items").asInt()).isEqualTo(AuditCommand.PAPER_ITEMS);
    assertThat(j.get("targets").size()).as("one per strategic type").isEqualTo(5);
    assertThat(j.get("verdict").asText()).as(msg).isEqualTo("TRUTHFUL");
    assertThat(j.get("profitable")).as(msg).isEmpty();
  }

  @Test
  void tableNamesTheVerdict() {
    SimulateCommandTest.Run r = SimulateCommandTest.run("audit", "--scenario", "crowd", "--items", "300",
        "--seeds", "3", "--target", "w247", "--strategies", "exaggerate:1,flip");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("w246 (+15 sybils)", "exaggerate:1", "flip", "verdict: ");
    Set<String> lines = new TreeSet<>(List.of(r.out().split("\\R")));
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("verdict: "));
  }

  @ParameterizedTest
  @ValueSource(strings = {"--eta=-1", "--eta=x", "--seeds=1", "--target=nobody", "--strategies=lie",
      "--scenario=nope", "--gold-rate=-0.1"})
  void badOptionsExitTwo(String arg) {
    SimulateCommandTest.Run r = SimulateCommandTest.run("audit", "--items", "50", arg);
    assertThat(r.exit()).as(arg + ": " + r.err()).isEqualTo(FeedbackAggregation.EXIT_BAD_INPUT);
    assertThat(r.err()).startsWith("error: ");
  }
}
