package dev.feedbackagg.job.types;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The hand-written serializers give back exactly what they were given, also several records
 * back to back in one buffer (Avro binary is self-delimiting: nothing may be read ahead), and
 * their snapshots restore the same serializer.
 */
class EventSerializersTest {
  private static final long SEED = Long.getLong("test.seed", 20261126L);

  @Test
  void reportsRoundTripBackToBack() throws Exception {
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<ReportEvent> in = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      LabelerReport r = LabelerReport.newBuilder()
          .setReportId("r-" + rnd.nextLong()).setCohort("c" + rnd.nextInt(3)).setPromptId("p\u00e9-" + i)
          .setResponseAId("a").setResponseBId("b\u4e2d").setLabelerId("l" + rnd.nextInt(1000))
          .setPreference(rnd.nextDouble()).setExpectedLabels(rnd.nextBoolean() ? null : rnd.nextInt(10))
          .setEventTime(rnd.nextLong()).build();
      in.add(new ReportEvent(r, rnd.nextBoolean() ? null : "topic", rnd.nextInt(), rnd.nextLong()));
    }
    in.add(new ReportEvent(null, null, 0, 0));
    List<ReportEvent> out = roundTrip(EventTypes.REPORT, in);
    for (int i = 0; i < in.size(); i++) {
      assertThat(out.get(i)).as("seed %d, record %d", SEED, i).usingRecursiveComparison().isEqualTo(in.get(i));
    }
  }

  @Test
  void reportsCrossAsTheBytesTheyWereReadFromAndTheTopicStringIsShared() throws Exception {
    LabelerReport r = LabelerReport.newBuilder()
        .setReportId("r").setCohort("c").setPromptId("p").setResponseAId("a").setResponseBId("b")
        .setLabelerId("l").setPreference(0.25).setExpectedLabels(3).setEventTime(1234L).build();
    byte[] canonical = SingleObjectCodec.of(LabelerReport.class).encode(r);
    // The same record with event_time written as a longer varint than needed (Avro reads it the
    // same): the serializer must send these bytes, not a new encoding.
    byte[] body = Arrays.copyOfRange(canonical, SingleObjectCodec.HEADER_LENGTH, canonical.length);
    byte[] eventTime = {body[body.length - 2], body[body.length - 1]}; // 1234: two varint bytes
    byte[] longer = new byte[canonical.length + 1];
    System.arraycopy(canonical, 0, longer, 0, canonical.length - 2);
    longer[longer.length - 3] = (byte) (eventTime[0] | 0x80);
    longer[longer.length - 2] = (byte) (eventTime[1] | 0x80);
    longer[longer.length - 1] = 0;
    assertThat(SingleObjectCodec.of(LabelerReport.class).decode(longer)).isEqualTo(r);

    TypeSerializer<ReportEvent> s = EventTypes.REPORT.createSerializer(new SerializerConfigImpl());
    DataOutputSerializer out = new DataOutputSerializer(64);
    s.serialize(ReportEvent.decoded(r, longer, "reports", 1, 2), out);
    s.serialize(ReportEvent.decoded(r, null, "reports", 1, 3), out);
    byte[] wire = out.getCopyOfBuffer();
    DataInputDeserializer check = new DataInputDeserializer(wire);
    int n = check.readInt();
    byte[] sent = new byte[n];
    check.readFully(sent);
    assertThat(sent).isEqualTo(Arrays.copyOfRange(longer, SingleObjectCodec.HEADER_LENGTH, longer.length));

    DataInputDeserializer in = new DataInputDeserializer(wire);
    ReportEvent first = s.deserialize(in);
    ReportEvent second = s.deserialize(in);
    assertThat(first.report).isEqualTo(r);
    assertThat(second.report).isEqualTo(r);
    assertThat(first.offset()).isEqualTo(2);
    assertThat(second.offset()).isEqualTo(3);
    assertThat(first.topic()).isEqualTo("reports").isSameAs(second.topic());
    assertThat(first.encoded()).isNull(); // not kept after the network
  }

  @Test
  void outcomesRoundTripBackToBack() throws Exception {
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<OutcomeEvent> in = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      PreferenceOutcome o = PreferenceOutcome.newBuilder()
          .setCohort("c").setPromptId("p" + i).setOutcome(rnd.nextDouble())
          .setSource(OutcomeSource.values()[rnd.nextInt(OutcomeSource.values().length)])
          .setEventTime(rnd.nextLong()).build();
      in.add(new OutcomeEvent(o, "outcomes", rnd.nextInt(), rnd.nextLong()));
    }
    List<OutcomeEvent> out = roundTrip(EventTypes.OUTCOME, in);
    for (int i = 0; i < in.size(); i++) {
      assertThat(out.get(i)).as("seed %d, record %d", SEED, i).usingRecursiveComparison().isEqualTo(in.get(i));
    }
  }

  @Test
  void itemEventsRoundTripWithEveryField() throws Exception {
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<ItemEvent> in = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int n = 1 + rnd.nextInt(10);
      String[] ids = new String[n];
      double[] reports = new double[n];
      for (int j = 0; j < n; j++) {
        ids[j] = switch (rnd.nextInt(4)) { // ASCII ids take the fast path; the others must too
          case 0 -> "l\u00e9-" + rnd.nextInt() + "\ud83d\ude00";
          case 1 -> "labeler-" + "x".repeat(rnd.nextInt(600)); // longer than the buffer at first
          default -> "labeler-" + rnd.nextInt();
        };
        reports[j] = rnd.nextDouble();
      }
      ItemEvent e = rnd.nextBoolean()
          ? ItemEvent.close("c", "p" + i, "a\u00e9", rnd.nextBoolean() ? null : "b", rnd.nextLong(),
              CloseReason.values()[rnd.nextInt(CloseReason.values().length)], ids, reports)
          : ItemEvent.outcome("c", "p" + i, rnd.nextLong(), rnd.nextDouble());
      if (rnd.nextBoolean()) {
        e.withHeldOutcome(rnd.nextDouble());
      }
      if (rnd.nextBoolean()) {
        e.withOutcomeOrigin("outcomes", rnd.nextInt(), rnd.nextLong());
      }
      in.add(e);
    }
    in.add(new ItemEvent());
    List<ItemEvent> out = roundTrip(EventTypes.ITEM, in);
    for (int i = 0; i < in.size(); i++) {
      // Field by field (equals leaves some out): a field the serializer forgets fails here.
      assertThat(out.get(i)).as("seed %d, record %d", SEED, i).usingRecursiveComparison().isEqualTo(in.get(i));
    }
  }

  @Test
  void repeatingStringsOfItemEventsComeBackAsOneInstance() throws Exception {
    List<ItemEvent> in = List.of(
        ItemEvent.close("cohort", "p1", "a1", "b1", 1, CloseReason.COMPLETE,
            new String[] {"u1", "u2"}, new double[] {0, 1}),
        ItemEvent.close("cohort", "p2", "a2", "b2", 2, CloseReason.COMPLETE,
            new String[] {"u2", "u3"}, new double[] {1, 0}));
    List<ItemEvent> out = roundTrip(EventTypes.ITEM, in);
    assertThat(out.get(1).cohort).isEqualTo("cohort").isSameAs(out.get(0).cohort);
    assertThat(out.get(1).labelerIds[0]).isEqualTo("u2").isSameAs(out.get(0).labelerIds[1]);
    assertThat(out.get(1).promptId).isEqualTo("p2");
  }

  @Test
  void copiesAreEqualAndIndependent() {
    ItemEvent e = ItemEvent.close("c", "p", "a", "b", 5, CloseReason.COMPLETE, new String[] {"x"}, new double[] {1});
    TypeSerializer<ItemEvent> s = EventTypes.ITEM.createSerializer(new SerializerConfigImpl());
    ItemEvent copy = s.copy(e);
    assertThat(copy).usingRecursiveComparison().isEqualTo(e);
    copy.reports[0] = 0;
    assertThat(e.reports[0]).isEqualTo(1.0);
  }

  @Test
  void snapshotsRestoreTheSameSerializer() {
    for (TypeInformation<?> t : List.of(EventTypes.REPORT, EventTypes.OUTCOME, EventTypes.ITEM)) {
      TypeSerializer<?> s = t.createSerializer(new SerializerConfigImpl());
      TypeSerializerSnapshot<?> snapshot = s.snapshotConfiguration();
      assertThat(snapshot.restoreSerializer()).isEqualTo(s);
    }
  }

  @Test
  void itemEventStateOfAnotherFormatIsRefusedAndOfThisOneAccepted() throws Exception {
    TypeSerializerSnapshot<ItemEvent> current =
        EventTypes.ITEM.createSerializer(new SerializerConfigImpl()).snapshotConfiguration();
    // As a checkpoint writes and a restore reads it: the same version is compatible as it is.
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, current);
    TypeSerializerSnapshot<ItemEvent> restored = TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
    assertThat(current.resolveSchemaCompatibility(restored).isCompatibleAsIs()).isTrue();
    // A snapshot of version 3, as the StringValue format's SimpleTypeSerializerSnapshot wrote it.
    ItemEventSerializer.Snapshot older = new ItemEventSerializer.Snapshot();
    older.readSnapshot(3, new DataInputDeserializer(new byte[0]), getClass().getClassLoader());
    assertThat(current.resolveSchemaCompatibility(older).isIncompatible()).isTrue();
  }

  private static <T> List<T> roundTrip(TypeInformation<T> type, List<T> records) throws Exception {
    TypeSerializer<T> s = type.createSerializer(new SerializerConfigImpl());
    DataOutputSerializer out = new DataOutputSerializer(64);
    for (T r : records) {
      s.serialize(r, out);
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    TypeSerializer<T> reader = s.duplicate();
    List<T> back = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      back.add(reader.deserialize(in));
    }
    assertThat(in.available()).as("bytes left after the last record").isZero();
    return back;
  }
}
