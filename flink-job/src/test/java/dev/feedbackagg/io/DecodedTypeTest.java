package dev.feedbackagg.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.junit.jupiter.api.Test;

/** Decoded travels between operators: it must be a POJO whose fields need no Kryo. */
class DecodedTypeTest {

  private static SerializerConfigImpl noGenericTypes() {
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);
    return config;
  }

  @Test
  void isAPojoWithAvroFieldsAndNoGenericType() {
    TypeInformation<Decoded> type = TypeInformation.of(Decoded.class);
    assertThat(type).isInstanceOf(PojoTypeInfo.class);
    PojoTypeInfo<Decoded> pojo = (PojoTypeInfo<Decoded>) type;
    assertThat(pojo.getArity()).isEqualTo(3);
    assertThat(pojo.getTypeAt("report")).isInstanceOf(PojoTypeInfo.class);
    assertThat(pojo.getTypeAt("outcome")).isInstanceOf(PojoTypeInfo.class);
    assertThat(pojo.getTypeAt("deadLetter")).isInstanceOf(AvroTypeInfo.class);
    assertThat(pojo.getTypeAt("report.report")).isInstanceOf(AvroTypeInfo.class);
    assertThat(pojo.getTypeAt("outcome.outcome")).isInstanceOf(AvroTypeInfo.class);
    assertThat(pojo.getTypeAt("report")).isNotInstanceOf(GenericTypeInfo.class);
    assertThat(new ReportDeserializer(InputFormat.JSON).getProducedType()).isEqualTo(type);
    assertThat(new OutcomeDeserializer(InputFormat.AVRO).getProducedType()).isEqualTo(type);
  }

  @Test
  void serializerNeedsNoGenericTypes() {
    assertThatCode(() -> TypeInformation.of(Decoded.class).createSerializer(noGenericTypes()))
        .doesNotThrowAnyException();
  }

  /** A control: the same config does reject a type that would need Kryo. */
  public static final class NeedsKryo {
    public java.util.concurrent.atomic.AtomicLong counter;
  }

  @Test
  void theCheckWouldCatchAKryoField() {
    assertThatCode(() -> TypeInformation.of(NeedsKryo.class).createSerializer(noGenericTypes()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void everyVariantRoundTripsThroughTheFlinkSerializer() throws Exception {
    TypeSerializer<Decoded> serializer = TypeInformation.of(Decoded.class).createSerializer(noGenericTypes());
    Decoded[] values = {
      Decoded.ofReport(new ReportEvent(IoFixtures.report(), "t", 1, 2L)),
      Decoded.ofOutcome(new OutcomeEvent(IoFixtures.outcome(), "t", 3, 4L)),
      Decoded.ofDeadLetter(
          dev.feedbackagg.io.DeadLetters.forRecord(
              IoFixtures.record(new byte[] {1}, null), DeadLetterReason.MALFORMED, "value: null (tombstone)"))
    };
    for (Decoded value : values) {
      DataOutputSerializer out = new DataOutputSerializer(256);
      serializer.serialize(value, out);
      Decoded back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
      assertThat(back).isEqualTo(value);
      assertThat(serializer.copy(value)).isEqualTo(value);
    }
    assertThat(values[0].isReport()).isTrue();
    assertThat(values[1].isOutcome()).isTrue();
    assertThat(values[2].isDeadLetter()).isTrue();
  }
}
