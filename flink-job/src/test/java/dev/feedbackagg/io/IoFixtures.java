package dev.feedbackagg.io;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/** Crafted Kafka records and a list collector for the io tests. */
final class IoFixtures {
  static final String TOPIC = "feedback.reports";
  static final int PARTITION = 3;
  static final long OFFSET = 42L;
  static final long KAFKA_TIME = 1_700_000_999_000L;
  static final long EVENT_TIME = 1_700_000_000_000L;
  static final byte[] KEY = "p1".getBytes(StandardCharsets.UTF_8);

  private IoFixtures() {}

  /** Collects into a list. */
  static final class ListCollector<T> implements Collector<T> {
    final List<T> items = new ArrayList<>();

    @Override
    public void collect(T record) {
      items.add(record);
    }

    @Override
    public void close() {}
  }

  static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value) {
    return new ConsumerRecord<>(
        TOPIC, PARTITION, OFFSET, KAFKA_TIME, TimestampType.CREATE_TIME,
        key == null ? -1 : key.length, value == null ? -1 : value.length,
        key, value, new RecordHeaders(), Optional.empty());
  }

  static ConsumerRecord<byte[], byte[]> record(byte[] value) {
    return record(KEY, value);
  }

  static ConsumerRecord<byte[], byte[]> json(String json) {
    return record(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Runs the deserializer and checks it produced exactly one result. */
  static Decoded decodeOne(KafkaRecordDeserializationSchema<Decoded> d, ConsumerRecord<byte[], byte[]> r)
      throws IOException {
    ListCollector<Decoded> out = new ListCollector<>();
    d.deserialize(r, out);
    if (out.items.size() != 1) {
      throw new AssertionError("expected exactly one result, got " + out.items);
    }
    return out.items.get(0);
  }

  static LabelerReport report() {
    return LabelerReport.newBuilder()
        .setReportId("r1")
        .setCohort("c")
        .setPromptId("p1")
        .setResponseAId("a")
        .setResponseBId("b")
        .setLabelerId("l1")
        .setPreference(0.75)
        .setExpectedLabels(3)
        .setEventTime(EVENT_TIME)
        .build();
  }

  static PreferenceOutcome outcome() {
    return PreferenceOutcome.newBuilder()
        .setCohort("c")
        .setPromptId("p1")
        .setOutcome(1.0)
        .setSource(OutcomeSource.EXPERT)
        .setEventTime(EVENT_TIME)
        .build();
  }

  static final String REPORT_JSON =
      "{\"report_id\":\"r1\",\"cohort\":\"c\",\"prompt_id\":\"p1\",\"response_a_id\":\"a\","
          + "\"response_b_id\":\"b\",\"labeler_id\":\"l1\",\"preference\":0.75,\"expected_labels\":3,"
          + "\"event_time\":" + EVENT_TIME + "}";

  static final String OUTCOME_JSON =
      "{\"cohort\":\"c\",\"prompt_id\":\"p1\",\"outcome\":1,\"source\":\"EXPERT\",\"event_time\":"
          + EVENT_TIME + "}";

  /** Java-serializes and deserializes, as Flink ships user functions to the task managers. */
  @SuppressWarnings("unchecked")
  static <T> T javaRoundTrip(T object) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(object);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
