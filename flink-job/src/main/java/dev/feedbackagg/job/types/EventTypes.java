package dev.feedbackagg.job.types;

import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.util.function.SerializableSupplier;

/**
 * Type information of the records that cross the network between the job's operators, with
 * hand-written serializers: Flink's POJO serializer reads and writes every field by reflection,
 * and flink-avro's serializer takes Avro's reflective path, both several times slower.
 */
public final class EventTypes<T> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;

  public static final TypeInformation<ReportEvent> REPORT =
      new EventTypes<>(ReportEvent.class, ReportEventSerializer::new);
  public static final TypeInformation<OutcomeEvent> OUTCOME =
      new EventTypes<>(OutcomeEvent.class, OutcomeEventSerializer::new);
  public static final TypeInformation<ItemEvent> ITEM =
      new EventTypes<>(ItemEvent.class, ItemEventSerializer::new);

  private final Class<T> type;
  private final SerializableSupplier<TypeSerializer<T>> serializer;

  private EventTypes(Class<T> type, SerializableSupplier<TypeSerializer<T>> serializer) {
    this.type = type;
    this.serializer = serializer;
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<T> getTypeClass() {
    return type;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return serializer.get();
  }

  @Override
  public String toString() {
    return "EventTypes<" + type.getSimpleName() + ">";
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof EventTypes<?> other && other.type == type;
  }

  @Override
  public int hashCode() {
    return Objects.hash(EventTypes.class, type);
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof EventTypes<?>;
  }
}
