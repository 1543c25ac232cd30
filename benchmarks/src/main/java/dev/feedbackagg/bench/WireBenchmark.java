package dev.feedbackagg.bench;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.Choice;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerContribution;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.job.types.EventTypes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-item encodings of the Mechanism's side of the job, on one core: an aggregated record of
 * 5 labels as the sink writes it (the hand-written single-object encoder), against Avro's own
 * encoder of the generated class in the same run; and the item event that ItemWindow sends to the
 * Mechanism, through the job's serializer into Flink's output buffer, against Flink's POJO
 * serializer of the same class. Ids and cohorts are ASCII, as in the crowd replay.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC"})
public class WireBenchmark {
  private AggregatedPreference aggregated;
  private SingleObjectCodec<AggregatedPreference> codec;
  private ItemEvent close;
  private TypeSerializer<ItemEvent> itemSerializer;
  private TypeSerializer<ItemEvent> pojoSerializer;
  private final DataOutputSerializer out = new DataOutputSerializer(1024);

  @Setup
  public void setUp() {
    List<LabelerContribution> contributions = new ArrayList<>();
    String[] ids = new String[5];
    double[] reports = new double[5];
    for (int i = 0; i < 5; i++) {
      ids[i] = "worker-" + (1000 + 37 * i);
      reports[i] = 0.25 * i;
      LabelerContribution c = new LabelerContribution();
      c.setLabelerId(ids[i]);
      c.setReport(reports[i]);
      c.setWeight(0.2 + 0.01 * i);
      contributions.add(c);
    }
    aggregated = new AggregatedPreference(
        "crowd-rte", "prompt-000123456", "prompt-000123456-a", "prompt-000123456-b", 123_456L,
        1_700_000_000_000L, CloseReason.COMPLETE, 0.62, Choice.A, 0.24, 4.1, 5, 0.6, 0.75, 1.0,
        0.31, contributions);
    codec = SingleObjectCodec.of(AggregatedPreference.class);
    close = ItemEvent.close("crowd-rte", "prompt-000123456", "prompt-000123456-a", "prompt-000123456-b",
        1_700_000_000_000L, CloseReason.COMPLETE, ids, reports);
    itemSerializer = EventTypes.ITEM.createSerializer(new SerializerConfigImpl());
    pojoSerializer = org.apache.flink.api.common.typeinfo.TypeInformation.of(ItemEvent.class)
        .createSerializer(new SerializerConfigImpl());
  }

  @Benchmark
  public byte[] aggregatedCodec() {
    return codec.encode(aggregated);
  }

  @Benchmark
  public ByteBuffer aggregatedAvro() throws IOException {
    return aggregated.toByteBuffer();
  }

  @Benchmark
  public int itemEventSerializer() throws IOException {
    out.clear();
    itemSerializer.serialize(close, out);
    return out.length();
  }

  @Benchmark
  public int itemEventPojo() throws IOException {
    out.clear();
    pojoSerializer.serialize(close, out);
    return out.length();
  }
}
