package dev.feedbackagg.io;

import static dev.feedbackagg.io.IoFixtures.EVENT_TIME;
import static dev.feedbackagg.io.IoFixtures.KAFKA_TIME;
import static dev.feedbackagg.io.IoFixtures.KEY;
import static dev.feedbackagg.io.IoFixtures.OFFSET;
import static dev.feedbackagg.io.IoFixtures.OUTCOME_JSON;
import static dev.feedbackagg.io.IoFixtures.PARTITION;
import static dev.feedbackagg.io.IoFixtures.TOPIC;
import static dev.feedbackagg.io.IoFixtures.decodeOne;
import static dev.feedbackagg.io.IoFixtures.json;
import static dev.feedbackagg.io.IoFixtures.outcome;
import static dev.feedbackagg.io.IoFixtures.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.cli.FeedbackAggregation;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutcomeDeserializerTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final SingleObjectCodec<PreferenceOutcome> CODEC =
      SingleObjectCodec.of(PreferenceOutcome.class);

  private final OutcomeDeserializer avro = new OutcomeDeserializer(InputFormat.AVRO);
  private final OutcomeDeserializer jsonDeser = new OutcomeDeserializer(InputFormat.JSON);

  private static String jsonWith(String field, String rawValue) throws Exception {
    ObjectNode n = (ObjectNode) MAPPER.readTree(OUTCOME_JSON);
    n.set(field, MAPPER.readTree(rawValue));
    return MAPPER.writeValueAsString(n);
  }

  private static String jsonWithout(String field) throws Exception {
    ObjectNode n = (ObjectNode) MAPPER.readTree(OUTCOME_JSON);
    n.remove(field);
    return MAPPER.writeValueAsString(n);
  }

  private DeadLetter deadJson(String json) throws Exception {
    Decoded d = decodeOne(jsonDeser, json(json));
    assertThat(d.outcome).isNull();
    assertThat(d.report).isNull();
    assertThat(d.deadLetter).as("dead letter for %s", json).isNotNull();
    return d.deadLetter;
  }

  private DeadLetter deadAvro(byte[] value) throws Exception {
    Decoded d = decodeOne(avro, record(value));
    assertThat(d.outcome).isNull();
    assertThat(d.deadLetter).isNotNull();
    return d.deadLetter;
  }

  @Test
  void validAvroOutcomeRoundTrips() throws Exception {
    Decoded d = decodeOne(avro, record(CODEC.encode(outcome())));
    assertThat(d.deadLetter).isNull();
    assertThat(d.report).isNull();
    assertThat(d.outcome.outcome).isEqualTo(outcome());
    assertThat(d.outcome.topic).isEqualTo(TOPIC);
    assertThat(d.outcome.partition).isEqualTo(PARTITION);
    assertThat(d.outcome.offset).isEqualTo(OFFSET);
  }

  @Test
  void validJsonOutcomeEqualsTheAvroOne() throws Exception {
    Decoded d = decodeOne(jsonDeser, json(OUTCOME_JSON)); // "outcome":1 (integral) is accepted
    assertThat(d.deadLetter).isNull();
    assertThat(d.outcome.outcome).isEqualTo(outcome());
    assertThat(d.outcome.offset).isEqualTo(OFFSET);

    for (OutcomeSource s : OutcomeSource.values()) {
      String value = jsonWith("source", "\"" + s.name() + "\"").replace("}", ",\"note\":[1,2]}");
      assertThat(decodeOne(jsonDeser, json(value)).outcome.outcome.getSource()).isEqualTo(s);
    }
  }

  @Test
  void tombstoneIsMalformed() throws Exception {
    DeadLetter dl = decodeOne(avro, record(KEY, null)).deadLetter;
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(dl.getValue()).isNull();
    assertThat(decodeOne(jsonDeser, record(KEY, null)).deadLetter.getReason())
        .isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void badHeaderTruncatedBodyAndBadJsonAreMalformed() throws Exception {
    byte[] full = CODEC.encode(outcome());
    assertThat(deadAvro(Arrays.copyOf(full, full.length - 3)).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    byte[] noMarker = full.clone();
    noMarker[0] = 0x00;
    assertThat(deadAvro(noMarker).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson("{\"cohort\":").getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson("[]").getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("outcome", "\"1\"")).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("source", "1")).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void avroEnumIndexOutsideTheSymbolsIsMalformed() throws Exception {
    byte[] bytes = CODEC.encode(outcome());
    // Body: cohort "c" (2 bytes), prompt_id "p1" (3 bytes), double (8 bytes), then the enum index.
    int enumAt = SingleObjectCodec.HEADER_LENGTH + 2 + 3 + 8;
    assertThat(bytes[enumAt]).isEqualTo((byte) (OutcomeSource.EXPERT.ordinal() * 2));
    bytes[enumAt] = 0x10; // index 8
    assertThat(deadAvro(bytes).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void reportBytesAreUnknownSchema() throws Exception {
    byte[] report = SingleObjectCodec.of(LabelerReport.class).encode(IoFixtures.report());
    DeadLetter dl = deadAvro(report);
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    assertThat(dl.getMessage()).contains("LabelerReport").contains("PreferenceOutcome");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cohort", "prompt_id", "outcome", "source", "event_time"})
  void absentOrNullFieldIsMissingField(String field) throws Exception {
    DeadLetter absent = deadJson(jsonWithout(field));
    assertThat(absent.getReason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
    assertThat(absent.getMessage()).isEqualTo(field + ": missing");
    DeadLetter nul = deadJson(jsonWith(field, "null"));
    assertThat(nul.getReason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
    assertThat(nul.getMessage()).isEqualTo(field + ": null");
  }

  @Test
  void unknownSourceSymbolIsOutOfRange() throws Exception {
    DeadLetter dl = deadJson(jsonWith("source", "\"PLATINUM\""));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).isEqualTo("source: \"PLATINUM\" is not one of [GOLD, EXPERT, USER_SIGNAL]");
    assertThat(deadJson(jsonWith("source", "\"gold\"")).getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
  }

  @Test
  void outcomeOutsideTheUnitIntervalIsOutOfRange() throws Exception {
    for (double y : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1.0, 1.0000001}) {
      PreferenceOutcome o = outcome();
      o.setOutcome(y);
      DeadLetter dl = deadAvro(CODEC.encode(o));
      assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
      assertThat(dl.getMessage()).isEqualTo("outcome: " + y + " is not in [0,1]");
    }
    DeadLetter dl = deadJson(jsonWith("outcome", "1.5"));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).isEqualTo("outcome: 1.5 is not in [0,1]");
    assertThat(deadJson(OUTCOME_JSON.replace("\"outcome\":1", "\"outcome\":NaN")).getReason())
        .isEqualTo(DeadLetterReason.OUT_OF_RANGE);
  }

  @Test
  void emptyIdsAndNegativeTimeAreOutOfRange() throws Exception {
    for (String field : new String[] {"cohort", "prompt_id"}) {
      DeadLetter dl = deadJson(jsonWith(field, "\"\""));
      assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
      assertThat(dl.getMessage()).isEqualTo(field + ": \"\" must not be empty");
      PreferenceOutcome o = outcome();
      o.put(field, "");
      assertThat(deadAvro(CODEC.encode(o)).getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    }
    PreferenceOutcome o = outcome();
    o.setEventTime(-1L);
    DeadLetter dl = deadAvro(CODEC.encode(o));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).isEqualTo("event_time: -1 is negative");
    assertThat(dl.getTime()).isEqualTo(KAFKA_TIME);
  }

  @Test
  void deadLetterFields() throws Exception {
    PreferenceOutcome o = outcome();
    o.setOutcome(3.0);
    byte[] value = CODEC.encode(o);
    DeadLetter dl = deadAvro(value);
    assertThat(dl.getSourceTopic()).isEqualTo(TOPIC);
    assertThat(dl.getSourcePartition()).isEqualTo(PARTITION);
    assertThat(dl.getSourceOffset()).isEqualTo(OFFSET);
    assertThat(DeadLetters.bytes(dl.getKey())).isEqualTo(KEY);
    assertThat(DeadLetters.bytes(dl.getValue())).isEqualTo(value);
    assertThat(dl.getJobVersion()).isEqualTo(FeedbackAggregation.version());
    assertThat(dl.getTime()).isEqualTo(EVENT_TIME);

    DeadLetter garbage = deadJson("nope");
    assertThat(DeadLetters.bytes(garbage.getValue())).isEqualTo("nope".getBytes(StandardCharsets.UTF_8));
    assertThat(garbage.getTime()).isEqualTo(KAFKA_TIME);
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    OutcomeDeserializer copy = IoFixtures.javaRoundTrip(jsonDeser);
    assertThat(decodeOne(copy, json(OUTCOME_JSON)).outcome.outcome).isEqualTo(outcome());
  }
}
