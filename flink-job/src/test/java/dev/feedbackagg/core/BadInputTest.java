package dev.feedbackagg.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Out-of-range inputs are rejected with a message that names the field and the value. */
class BadInputTest {

  private static void rejected(ThrowingCallable call, String field, String value) {
    assertThatThrownBy(call)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(field)
        .hasMessageContaining(value);
  }

  @ParameterizedTest(name = "eta {0}")
  @ValueSource(doubles = {0.0, -0.0, -0.5, -1e-300, Double.NEGATIVE_INFINITY})
  void etaAtOrBelowZeroIsRejected(double eta) {
    rejected(() -> Eta.fixed(eta), "eta", String.valueOf(eta));
    rejected(() -> MechanismConfig.defaults().withEta(eta), "eta", String.valueOf(eta));
    rejected(() -> Eta.parse(String.valueOf(eta), 10, 100), "eta", String.valueOf(eta));
  }

  @Test
  void nanEtaIsRejected() {
    rejected(() -> Eta.fixed(Double.NaN), "eta", "NaN");
    rejected(() -> MechanismConfig.defaults().withEta(Double.NaN), "eta", "NaN");
    rejected(() -> Eta.parse("NaN", 10, 100), "eta", "NaN");
  }

  @Test
  void infiniteEtaIsRejected() {
    rejected(() -> Eta.fixed(Double.POSITIVE_INFINITY), "eta", "Infinity");
    rejected(() -> MechanismConfig.defaults().withEta(Double.POSITIVE_INFINITY), "eta", "Infinity");
    rejected(() -> Eta.parse("Infinity", 10, 100), "eta", "Infinity");
    rejected(() -> Eta.parse("1e400", 10, 100), "eta", "Infinity"); // overflows to +inf
  }

  @ParameterizedTest(name = "loss ''{0}''")
  @ValueSource(strings = {"hinge", "", "brier2", "squared"})
  void anUnknownLossNameIsRejected(String name) {
    rejected(() -> Loss.parse(name), "loss", "'" + name + "'");
  }

  @Test
  void aMissingLossIsRejected() {
    rejected(() -> Loss.parse(null), "loss", "null");
    rejected(() -> MechanismConfig.defaults().withLoss(null), "loss", "missing");
  }

  @ParameterizedTest(name = "eta ''{0}''")
  @ValueSource(strings = {"abc", "", "0.5x", "papers", "1,5"})
  void anEtaThatIsNeitherANumberNorPaperIsRejected(String text) {
    rejected(() -> Eta.parse(text, 10, 100), "eta", "'" + text + "'");
  }

  @ParameterizedTest(name = "D0 {0}")
  @ValueSource(doubles = {-1.0, -1e-12, Double.NaN, Double.POSITIVE_INFINITY})
  void aNegativeOrNonFiniteNewcomerOffsetIsRejected(double d0) {
    rejected(() -> MechanismConfig.defaults().withNewcomerOffset(d0), "newcomer offset",
        String.valueOf(d0));
  }

  @ParameterizedTest(name = "N {0}")
  @ValueSource(longs = {1, 0, -3})
  void thePaperRateNeedsAtLeastTwoLabelers(long n) {
    rejected(() -> Eta.paper(n, 1000), "labelers N", String.valueOf(n));
    rejected(() -> Eta.parse("paper", n, 1000), "labelers N", String.valueOf(n));
  }

  @Test
  void thePaperRateNeedsAPositiveHorizon() {
    rejected(() -> Eta.paper(10, 0), "horizon T", "0");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(doubles = {Double.NaN, -0.1, 1.1, Double.POSITIVE_INFINITY, -1e-300})
  void aValueOutsideTheUnitIntervalIsRejected(double v) {
    rejected(() -> Checks.unitInterval("preference", v), "preference", String.valueOf(v));
  }

  @Test
  void otherConfigurationBoundsNameTheirField() {
    rejected(() -> MechanismConfig.defaults().withMinRounds(-1), "min rounds", "-1");
    rejected(() -> MechanismConfig.defaults().withMetricsIntervalMs(0), "metrics interval", "0");
    rejected(() -> MechanismConfig.defaults().withOutcomeTimeoutMs(0), "outcome timeout", "0");
    rejected(() -> new ItemPolicy(0, 10, 10), "expected labels", "0");
    rejected(() -> new ItemPolicy(3, 0, 10), "item timeout", "0");
    rejected(() -> new ItemPolicy(3, 10, -5), "grace", "-5");
  }

  @org.junit.jupiter.api.Test
  void reportsAndOutcomesOutsideTheUnitIntervalAreRejected() {
    String[] ids = {"a", "b"};
    rejected(() -> ItemEvent.close("c", "p1", "x", "y", 1, dev.feedbackagg.avro.CloseReason.COMPLETE,
        ids, new double[] {0.5, Double.NaN}), "preference of labeler b on item p1", "NaN");
    rejected(() -> ItemEvent.close("c", "p1", "x", "y", 1, dev.feedbackagg.avro.CloseReason.COMPLETE,
        ids, new double[] {1.5, 0.0}), "preference of labeler a on item p1", "1.5");
    rejected(() -> ItemEvent.outcome("c", "p2", 1, -0.25), "outcome of item p2", "-0.25");
    rejected(() -> ItemEvent.close("c", "p3", "x", "y", 1, dev.feedbackagg.avro.CloseReason.COMPLETE,
        ids, new double[] {0.0, 1.0}).withHeldOutcome(Double.NaN), "outcome of item p3", "NaN");
    rejected(() -> ItemEvent.close("c", "p4", "x", "y", 1, dev.feedbackagg.avro.CloseReason.COMPLETE,
        new String[0], new double[0]), "reports of item p4", "0");
  }
}
