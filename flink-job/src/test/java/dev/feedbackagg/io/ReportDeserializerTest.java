package dev.feedbackagg.io;

import static dev.feedbackagg.io.IoFixtures.EVENT_TIME;
import static dev.feedbackagg.io.IoFixtures.KAFKA_TIME;
import static dev.feedbackagg.io.IoFixtures.KEY;
import static dev.feedbackagg.io.IoFixtures.OFFSET;
import static dev.feedbackagg.io.IoFixtures.PARTITION;
import static dev.feedbackagg.io.IoFixtures.REPORT_JSON;
import static dev.feedbackagg.io.IoFixtures.TOPIC;
import static dev.feedbackagg.io.IoFixtures.decodeOne;
import static dev.feedbackagg.io.IoFixtures.json;
import static dev.feedbackagg.io.IoFixtures.record;
import static dev.feedbackagg.io.IoFixtures.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedbackagg.avro.DeadLetter;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.cli.FeedbackAggregation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReportDeserializerTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final SingleObjectCodec<LabelerReport> CODEC = SingleObjectCodec.of(LabelerReport.class);

  private final ReportDeserializer avro = new ReportDeserializer(InputFormat.AVRO);
  private final ReportDeserializer jsonDeser = new ReportDeserializer(InputFormat.JSON);

  private static String jsonWith(String field, String rawValue) throws Exception {
    ObjectNode n = (ObjectNode) MAPPER.readTree(REPORT_JSON);
    n.set(field, MAPPER.readTree(rawValue));
    return MAPPER.writeValueAsString(n);
  }

  private static String jsonWithout(String field) throws Exception {
    ObjectNode n = (ObjectNode) MAPPER.readTree(REPORT_JSON);
    n.remove(field);
    return MAPPER.writeValueAsString(n);
  }

  private DeadLetter deadJson(String json) throws Exception {
    Decoded d = decodeOne(jsonDeser, json(json));
    assertThat(d.report).isNull();
    assertThat(d.outcome).isNull();
    assertThat(d.deadLetter).as("dead letter for %s", json).isNotNull();
    return d.deadLetter;
  }

  private DeadLetter deadAvro(byte[] value) throws Exception {
    Decoded d = decodeOne(avro, record(value));
    assertThat(d.report).isNull();
    assertThat(d.deadLetter).isNotNull();
    return d.deadLetter;
  }

  // ---- valid records ----

  @Test
  void validAvroReportRoundTrips() throws Exception {
    Decoded d = decodeOne(avro, record(CODEC.encode(report())));
    assertThat(d.deadLetter).isNull();
    assertThat(d.outcome).isNull();
    assertThat(d.report.report).isEqualTo(report());
    assertThat(d.report.topic).isEqualTo(TOPIC);
    assertThat(d.report.partition).isEqualTo(PARTITION);
    assertThat(d.report.offset).isEqualTo(OFFSET);
  }

  @Test
  void validAvroReportWithoutExpectedLabels() throws Exception {
    LabelerReport r = report();
    r.setExpectedLabels(null);
    r.setPreference(0.0);
    Decoded d = decodeOne(avro, record(CODEC.encode(r)));
    assertThat(d.report.report).isEqualTo(r);
  }

  @Test
  void validJsonReportEqualsTheAvroOne() throws Exception {
    Decoded d = decodeOne(jsonDeser, json(REPORT_JSON));
    assertThat(d.deadLetter).isNull();
    assertThat(d.report.report).isEqualTo(report());
    assertThat(d.report.topic).isEqualTo(TOPIC);
    assertThat(d.report.partition).isEqualTo(PARTITION);
    assertThat(d.report.offset).isEqualTo(OFFSET);
  }

  @Test
  void jsonAcceptsIntegralPreferenceAbsentOrNullExpectedLabelsAndUnknownFields() throws Exception {
    LabelerReport expected = report();
    expected.setPreference(1.0);
    expected.setExpectedLabels(null);

    ObjectNode n = (ObjectNode) MAPPER.readTree(REPORT_JSON);
    n.put("preference", 1);
    n.remove("expected_labels");
    n.put("tool_version", "7.1");
    n.putObject("extra").put("x", 1);
    assertThat(decodeOne(jsonDeser, json(n.toString())).report.report).isEqualTo(expected);

    n.putNull("expected_labels");
    assertThat(decodeOne(jsonDeser, json(n.toString())).report.report).isEqualTo(expected);
  }

  @Test
  void jsonAcceptsUnicodeAndWhitespace() throws Exception {
    String pretty = "\n  " + jsonWith("labeler_id", "\"ляbeler ✓\"").replace(",", ",\n   ") + "\n";
    Decoded d = decodeOne(jsonDeser, json(pretty));
    assertThat(d.report.report.getLabelerId()).isEqualTo("ляbeler ✓");
  }

  // ---- MALFORMED ----

  @Test
  void tombstoneIsMalformedWithNullValue() throws Exception {
    for (ReportDeserializer d : new ReportDeserializer[] {avro, jsonDeser}) {
      DeadLetter dl = decodeOne(d, record(KEY, null)).deadLetter;
      assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
      assertThat(dl.getValue()).isNull();
      assertThat(DeadLetters.bytes(dl.getKey())).isEqualTo(KEY);
      assertThat(dl.getMessage()).contains("tombstone");
    }
  }

  @Test
  void avroWithoutSingleObjectHeaderIsMalformed() throws Exception {
    byte[] body = Arrays.copyOfRange(CODEC.encode(report()), SingleObjectCodec.HEADER_LENGTH, 60);
    assertThat(deadAvro(body).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadAvro(new byte[0]).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadAvro(REPORT_JSON.getBytes(StandardCharsets.UTF_8)).getReason())
        .isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void truncatedAvroBodyIsMalformed() throws Exception {
    byte[] full = CODEC.encode(report());
    DeadLetter dl = deadAvro(Arrays.copyOf(full, full.length - 5));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(dl.getMessage()).contains("LabelerReport");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"report_id\":",
        "not json",
        "",
        "   ",
        "[1,2,3]",
        "\"a string\"",
        "42",
        "null",
        "{\"report_id\":\"r1\"} trailing",
        "{\"report_id\":\"r1\",\"report_id\":\"r2\"}"
      })
  void undecodableJsonIsMalformed(String value) throws Exception {
    DeadLetter dl = deadJson(value);
    assertThat(dl.getReason()).as(dl.getMessage()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(DeadLetters.bytes(dl.getValue())).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void invalidUtf8IsMalformed() throws Exception {
    byte[] bad = REPORT_JSON.getBytes(StandardCharsets.UTF_8);
    bad[20] = (byte) 0xFF;
    DeadLetter dl = decodeOne(jsonDeser, record(bad)).deadLetter;
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void wrongJsonTypeIsMalformed() throws Exception {
    DeadLetter dl = deadJson(jsonWith("preference", "\"0.5\""));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(dl.getMessage()).isEqualTo("preference: expected a number, got string \"0.5\"");

    assertThat(deadJson(jsonWith("preference", "true")).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("cohort", "7")).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("labeler_id", "{\"id\":1}")).getReason())
        .isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("event_time", "\"2024-01-01\"")).getReason())
        .isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("event_time", "1.5")).getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("expected_labels", "\"3\"")).getReason())
        .isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(deadJson(jsonWith("expected_labels", "2.5")).getReason())
        .isEqualTo(DeadLetterReason.MALFORMED);
  }

  // ---- UNKNOWN_SCHEMA ----

  @Test
  void anotherWireRecordIsUnknownSchema() throws Exception {
    byte[] outcome = SingleObjectCodec.of(dev.feedbackagg.avro.PreferenceOutcome.class).encode(IoFixtures.outcome());
    DeadLetter dl = deadAvro(outcome);
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    assertThat(dl.getMessage()).contains("PreferenceOutcome").contains("LabelerReport");
  }

  @Test
  void unknownFingerprintIsUnknownSchema() throws Exception {
    byte[] bytes = CODEC.encode(report());
    ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0123456789abcdefL);
    DeadLetter dl = deadAvro(bytes);
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    assertThat(dl.getMessage()).contains("0123456789abcdef");
  }

  // ---- MISSING_FIELD ----

  @ParameterizedTest
  @ValueSource(
      strings = {
        "report_id", "cohort", "prompt_id", "response_a_id", "response_b_id", "labeler_id",
        "preference", "event_time"
      })
  void absentOrNullRequiredFieldIsMissingField(String field) throws Exception {
    DeadLetter absent = deadJson(jsonWithout(field));
    assertThat(absent.getReason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
    assertThat(absent.getMessage()).isEqualTo(field + ": missing");

    DeadLetter nul = deadJson(jsonWith(field, "null"));
    assertThat(nul.getReason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
    assertThat(nul.getMessage()).isEqualTo(field + ": null");
  }

  @Test
  void emptyObjectIsMissingFieldOfTheFirstField() throws Exception {
    DeadLetter dl = deadJson("{}");
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
    assertThat(dl.getMessage()).isEqualTo("report_id: missing");
  }

  // ---- OUT_OF_RANGE ----

  @ParameterizedTest
  @ValueSource(strings = {"1.5", "-0.25", "NaN", "Infinity", "-Infinity", "1e400"})
  void jsonPreferenceOutsideTheUnitIntervalIsOutOfRange(String raw) throws Exception {
    String value = REPORT_JSON.replace("\"preference\":0.75", "\"preference\":" + raw);
    DeadLetter dl = deadJson(value);
    assertThat(dl.getReason()).as(dl.getMessage()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).startsWith("preference: ").endsWith(" is not in [0,1]");
  }

  @Test
  void avroPreferenceNaNInfiniteOrOutsideIsOutOfRange() throws Exception {
    for (double p : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.5, -0.0001}) {
      LabelerReport r = report();
      r.setPreference(p);
      DeadLetter dl = deadAvro(CODEC.encode(r));
      assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
      assertThat(dl.getMessage()).isEqualTo("preference: " + p + " is not in [0,1]");
    }
    LabelerReport r = report();
    r.setPreference(1.5);
    assertThat(deadAvro(CODEC.encode(r)).getMessage()).isEqualTo("preference: 1.5 is not in [0,1]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"report_id", "cohort", "prompt_id", "response_a_id", "response_b_id", "labeler_id"})
  void emptyIdIsOutOfRange(String field) throws Exception {
    DeadLetter dl = deadJson(jsonWith(field, "\"\""));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).isEqualTo(field + ": \"\" must not be empty");

    LabelerReport r = report();
    r.put(field, "");
    assertThat(deadAvro(CODEC.encode(r)).getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
  }

  @Test
  void expectedLabelsBelowOneIsOutOfRange() throws Exception {
    DeadLetter dl = deadJson(jsonWith("expected_labels", "0"));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).isEqualTo("expected_labels: 0 is less than 1");

    LabelerReport r = report();
    r.setExpectedLabels(-2);
    assertThat(deadAvro(CODEC.encode(r)).getMessage()).isEqualTo("expected_labels: -2 is less than 1");

    assertThat(deadJson(jsonWith("expected_labels", "3000000000")).getReason())
        .isEqualTo(DeadLetterReason.OUT_OF_RANGE);
  }

  @Test
  void negativeEventTimeIsOutOfRange() throws Exception {
    DeadLetter dl = deadJson(jsonWith("event_time", "-1"));
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).isEqualTo("event_time: -1 is negative");
    // event time unusable: the dead letter's time is the Kafka timestamp
    assertThat(dl.getTime()).isEqualTo(KAFKA_TIME);

    LabelerReport r = report();
    r.setEventTime(-5L);
    assertThat(deadAvro(CODEC.encode(r)).getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);

    assertThat(deadJson(jsonWith("event_time", "99999999999999999999")).getReason())
        .isEqualTo(DeadLetterReason.OUT_OF_RANGE);
  }

  // ---- dead letter fields ----

  @Test
  void deadLetterOfAnUndecodableRecordKeepsTheRawBytesAndOrigin() throws Exception {
    byte[] value = "{oops".getBytes(StandardCharsets.UTF_8);
    byte[] key = {0, 1, 2, (byte) 0xFF};
    ConsumerRecord<byte[], byte[]> rec = record(key, value);
    DeadLetter dl = decodeOne(jsonDeser, rec).deadLetter;
    assertThat(dl.getSourceTopic()).isEqualTo(TOPIC);
    assertThat(dl.getSourcePartition()).isEqualTo(PARTITION);
    assertThat(dl.getSourceOffset()).isEqualTo(OFFSET);
    assertThat(DeadLetters.bytes(dl.getKey())).isEqualTo(key);
    assertThat(DeadLetters.bytes(dl.getValue())).isEqualTo(value);
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
    assertThat(dl.getMessage()).startsWith("value: invalid JSON");
    assertThat(dl.getJobVersion()).isEqualTo(FeedbackAggregation.version());
    assertThat(dl.getTime()).isEqualTo(KAFKA_TIME);
  }

  @Test
  void deadLetterOfARejectedButReadableRecordUsesItsEventTime() throws Exception {
    String value = jsonWith("preference", "2");
    DeadLetter dl = deadJson(value);
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.OUT_OF_RANGE);
    assertThat(dl.getMessage()).isEqualTo("preference: 2.0 is not in [0,1]");
    assertThat(dl.getTime()).isEqualTo(EVENT_TIME);
    assertThat(DeadLetters.bytes(dl.getValue())).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void nullKeyStaysNull() throws Exception {
    DeadLetter dl = decodeOne(avro, record(null, new byte[] {1, 2, 3})).deadLetter;
    assertThat(dl.getKey()).isNull();
    assertThat(dl.getReason()).isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void survivesJavaSerializationAndOpen() throws Exception {
    ReportDeserializer copy = IoFixtures.javaRoundTrip(avro);
    copy.open(null);
    assertThat(copy.format()).isEqualTo(InputFormat.AVRO);
    assertThat(decodeOne(copy, record(CODEC.encode(report()))).report.report).isEqualTo(report());
    ReportDeserializer jsonCopy = IoFixtures.javaRoundTrip(jsonDeser);
    assertThat(decodeOne(jsonCopy, json(REPORT_JSON)).report.report).isEqualTo(report());
  }
}
