package dev.feedbackagg.core;

import java.util.Comparator;
import org.apache.avro.specific.SpecificRecord;

/**
 * An input record and where it was read (topic, partition, offset): the base of reports and
 * outcomes. A Flink POJO base (public fields, no-argument constructor).
 */
public abstract class SourcedRecord<R extends SpecificRecord> {
  /** Position in the input: topic (no topic first), partition, offset. Ties of the record orders. */
  public static final Comparator<SourcedRecord<?>> INPUT_ORDER =
      Comparator.comparing((SourcedRecord<?> r) -> r.topic == null ? "" : r.topic)
          .thenComparingInt(r -> r.partition)
          .thenComparingLong(r -> r.offset);

  public String topic;
  public int partition;
  public long offset;

  /**
   * The record's bytes as read (Avro single-object encoding), or null: read from JSON, or made
   * anew (after crossing the network, from state). Lets the record cross the network as the bytes
   * it came in, without encoding it again. Transient: not part of the POJO's state.
   */
  private transient byte[] encoded;

  protected SourcedRecord() {}

  protected SourcedRecord(String topic, int partition, long offset) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }

  /** The single-object encoding the record was decoded from, or null. Never changed. */
  public final byte[] encoded() {
    return encoded;
  }

  /**
   * Remembers the bytes the record was decoded from (all of them, header included); they must
   * decode to exactly this record.
   */
  protected final void setEncoded(byte[] bytes) {
    this.encoded = bytes;
  }

  /** The record as read; null only in an empty instance. */
  public abstract R record();

  /** The record's event time. */
  public abstract long time();

  public final String topic() {
    return topic;
  }

  public final int partition() {
    return partition;
  }

  public final long offset() {
    return offset;
  }

  /** "Name{record @topic/partition/offset}". */
  protected final String describe(String name) {
    return name + "{" + record() + " @" + topic + "/" + partition + "/" + offset + "}";
  }
}
