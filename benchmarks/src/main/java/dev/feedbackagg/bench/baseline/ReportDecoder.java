package dev.feedbackagg.bench.baseline;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.avro.wire.WireFormatException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes a report (Avro single-object encoding, SingleObjectCodec, as the real job). An
 * undecodable record is skipped and counted in the metric "undecodable" (no dead-letter topic).
 */
public final class ReportDecoder implements KafkaRecordDeserializationSchema<LabelerReport> {

  private static final long serialVersionUID = 1L;

  private transient SingleObjectCodec<LabelerReport> codec;
  private transient Counter undecodable;

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = SingleObjectCodec.of(LabelerReport.class);
    undecodable = context.getMetricGroup().counter("undecodable");
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<LabelerReport> out) {
    byte[] value = record.value();
    if (value == null) {
      undecodable.inc();
      return;
    }
    try {
      out.collect(codec.decode(value));
    } catch (WireFormatException | RuntimeException e) {
      undecodable.inc();
    }
  }

  @Override
  public TypeInformation<LabelerReport> getProducedType() {
    return TypeInformation.of(LabelerReport.class);
  }
}
