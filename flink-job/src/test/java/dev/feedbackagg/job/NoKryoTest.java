package dev.feedbackagg.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedbackagg.core.CohortSummary;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.ItemState;
import dev.feedbackagg.core.LabelerState;
import dev.feedbackagg.core.PendingItem;
import dev.feedbackagg.io.Decoded;
import dev.feedbackagg.job.operators.WindowState;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** No record on the wire between operators and no value in state falls back to Kryo. */
class NoKryoTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      classes = {
        Decoded.class, ItemEvent.class, ItemState.class, WindowState.class,
        LabelerState.class, PendingItem.class, CohortSummary.class
      })
  void stateAndStreamTypesArePojosWithoutGenericFields(Class<?> type) {
    TypeInformation<?> info = TypeInformation.of(type);
    assertThat(info).isInstanceOf(PojoTypeInfo.class);
    assertThat(containsGeneric(info)).as("%s has a Kryo field: %s", type, info).isFalse();
    SerializerConfigImpl noGenerics = new SerializerConfigImpl();
    noGenerics.setGenericTypes(false);
    info.createSerializer(noGenerics); // throws if any nested type needs Kryo
  }

  @Test
  void aGenericFieldWouldBeCaught() {
    SerializerConfigImpl noGenerics = new SerializerConfigImpl();
    noGenerics.setGenericTypes(false);
    TypeInformation<WithObject> info = TypeInformation.of(WithObject.class);
    assertThat(containsGeneric(info)).isTrue();
    assertThatThrownBy(() -> info.createSerializer(noGenerics))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void everyStreamOfTheJobGraphIsTypedWithoutKryo() {
    JobConfig config = JobTestSupport.randomLogConfig(2);
    StreamExecutionEnvironment env = FeedbackAggregationJob.environment(config);
    TypeInformation<Decoded> type = TypeInformation.of(Decoded.class);
    DataStream<Decoded> r = env.fromData(List.of(new Decoded()), type);
    DataStream<Decoded> o = env.fromData(List.of(new Decoded()), type);
    FeedbackAggregationJob.Outputs out = FeedbackAggregationJob.defineWorkflow(r, o, config);
    List<Transformation<?>> all = new ArrayList<>();
    for (DataStream<?> s :
        List.of(out.aggregated(), out.regret(), out.labelerWeights(), out.deadLetters())) {
      collect(s.getTransformation(), all);
    }
    assertThat(all).hasSizeGreaterThan(8);
    for (Transformation<?> t : all) {
      assertThat(containsGeneric(t.getOutputType())).as("%s: %s", t.getName(), t.getOutputType()).isFalse();
    }
  }

  private static void collect(Transformation<?> t, List<Transformation<?>> into) {
    if (into.contains(t)) {
      return;
    }
    into.add(t);
    for (Transformation<?> in : t.getInputs()) {
      collect(in, into);
    }
  }

  private static boolean containsGeneric(TypeInformation<?> info) {
    if (info instanceof GenericTypeInfo) {
      return true;
    }
    if (info instanceof AvroTypeInfo) {
      return false; // an AvroSerializer writes the whole record, whatever its field types
    }
    if (info instanceof PojoTypeInfo<?> pojo) {
      for (int i = 0; i < pojo.getArity(); i++) {
        if (containsGeneric(pojo.getTypeAt(i))) {
          return true;
        }
      }
    }
    return false;
  }

  /** A type with an Object field, which Flink can only serialize with Kryo. */
  public static final class WithObject {
    public Object value;

    public WithObject() {}
  }
}
