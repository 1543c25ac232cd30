package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.core.ItemEvent;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An item event field by field (it crosses the network from ItemWindow to the Mechanism once per
 * item and waits in the Mechanism's buffer state): no reflection, no per-field null markers beyond
 * those the fields need.
 */
public final class ItemEventSerializer extends EventSerializer<ItemEvent> {
  private static final long serialVersionUID = 2L;

  private static final ItemEvent.Kind[] KINDS = ItemEvent.Kind.values();
  private static final CloseReason[] REASONS = CloseReason.values();

  /** Read buffer and cache of repeating strings: per instance, as a serializer serves one thread. */
  private transient Utf8Strings strings;

  @Override
  public TypeSerializer<ItemEvent> duplicate() {
    return new ItemEventSerializer();
  }

  private Utf8Strings strings() {
    if (strings == null) {
      strings = new Utf8Strings();
    }
    return strings;
  }

  @Override
  public ItemEvent createInstance() {
    return new ItemEvent();
  }

  @Override
  public ItemEvent copy(ItemEvent from) {
    ItemEvent e = new ItemEvent();
    e.kind = from.kind;
    e.cohort = from.cohort;
    e.promptId = from.promptId;
    e.time = from.time;
    e.responseAId = from.responseAId;
    e.responseBId = from.responseBId;
    e.closeReason = from.closeReason;
    e.labelerIds = from.labelerIds == null ? null : from.labelerIds.clone();
    e.reports = from.reports == null ? null : from.reports.clone();
    e.hasOutcome = from.hasOutcome;
    e.outcome = from.outcome;
    e.outcomeTopic = from.outcomeTopic;
    e.outcomePartition = from.outcomePartition;
    e.outcomeOffset = from.outcomeOffset;
    return e;
  }

  @Override
  public void serialize(ItemEvent e, DataOutputView out) throws IOException {
    Utf8Strings strings = strings();
    out.writeByte(e.kind == null ? -1 : e.kind.ordinal());
    strings.write(e.cohort, out);
    strings.write(e.promptId, out);
    out.writeLong(e.time);
    strings.write(e.responseAId, out);
    strings.write(e.responseBId, out);
    out.writeByte(e.closeReason == null ? -1 : e.closeReason.ordinal());
    if (e.labelerIds == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(e.labelerIds.length);
      for (String id : e.labelerIds) {
        strings.write(id, out);
      }
    }
    if (e.reports == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(e.reports.length);
      for (double r : e.reports) {
        out.writeDouble(r);
      }
    }
    out.writeBoolean(e.hasOutcome);
    out.writeDouble(e.outcome);
    strings.write(e.outcomeTopic, out);
    out.writeInt(e.outcomePartition);
    out.writeLong(e.outcomeOffset);
  }

  @Override
  public ItemEvent deserialize(DataInputView in) throws IOException {
    Utf8Strings strings = strings();
    ItemEvent e = new ItemEvent();
    byte kind = in.readByte();
    e.kind = kind < 0 ? null : KINDS[kind];
    e.cohort = strings.readRepeated(in);
    e.promptId = strings.read(in);
    e.time = in.readLong();
    e.responseAId = strings.read(in);
    e.responseBId = strings.read(in);
    byte reason = in.readByte();
    e.closeReason = reason < 0 ? null : REASONS[reason];
    int n = in.readInt();
    if (n >= 0) {
      e.labelerIds = new String[n];
      for (int i = 0; i < n; i++) {
        e.labelerIds[i] = strings.readRepeated(in);
      }
    }
    int m = in.readInt();
    if (m >= 0) {
      e.reports = new double[m];
      for (int i = 0; i < m; i++) {
        e.reports[i] = in.readDouble();
      }
    }
    e.hasOutcome = in.readBoolean();
    e.outcome = in.readDouble();
    e.outcomeTopic = strings.readRepeated(in);
    e.outcomePartition = in.readInt();
    e.outcomeOffset = in.readLong();
    return e;
  }

  @Override
  public TypeSerializerSnapshot<ItemEvent> snapshotConfiguration() {
    return new Snapshot();
  }

  /**
   * No configuration: the format is this class's, and its version is the snapshot's. Item events
   * wait in the Mechanism's state, so a state written in another format (version 3 and before:
   * strings as Flink's StringValue, when this was a SimpleTypeSerializerSnapshot) is refused as
   * incompatible on restore instead of being misread.
   */
  public static final class Snapshot implements TypeSerializerSnapshot<ItemEvent> {
    /** Strings as length-prefixed UTF-8. */
    static final int VERSION = 4;

    private int readVersion = VERSION;

    @Override
    public int getCurrentVersion() {
      return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) {}

    @Override
    public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) {
      readVersion = version;
    }

    @Override
    public TypeSerializer<ItemEvent> restoreSerializer() {
      return new ItemEventSerializer();
    }

    @Override
    public TypeSerializerSchemaCompatibility<ItemEvent> resolveSchemaCompatibility(
        TypeSerializerSnapshot<ItemEvent> old) {
      return old instanceof Snapshot s && s.readVersion == VERSION
          ? TypeSerializerSchemaCompatibility.compatibleAsIs()
          : TypeSerializerSchemaCompatibility.incompatible();
    }
  }
}
