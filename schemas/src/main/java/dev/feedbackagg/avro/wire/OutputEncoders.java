package dev.feedbackagg.avro.wire;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.LabelerContribution;
import dev.feedbackagg.avro.LabelerWeight;
import java.util.List;

/**
 * The hand-written encoders of the records the job writes most: the aggregate (one per item) and
 * the labeler weight (one per changed labeler and metrics interval). The fields in schema order, as
 * Avro's datum writer writes them (the test compares the bytes on random records). Avro's writer
 * resolves every field through its schema; these write them straight. {@link #forType} serves each
 * only for the schema it was written for.
 */
public final class OutputEncoders {
  private OutputEncoders() {}

  /** The fingerprint AggregatedPreference (with LabelerContribution) had when its encoder was written. */
  static final long AGGREGATED_PREFERENCE_FINGERPRINT = 0x81b671267af4c298L;

  /** The fingerprint LabelerWeight had when its encoder was written. */
  static final long LABELER_WEIGHT_FINGERPRINT = 0xabbb25df22175d17L;

  /** Writes one record body. */
  @FunctionalInterface
  public interface BodyEncoder<T> {
    void write(T record, BinaryWriter out);
  }

  /** The encoder of a record type whose schema has the given fingerprint, or null. */
  @SuppressWarnings("unchecked")
  public static <T> BodyEncoder<T> forType(Class<T> type, long fingerprint) {
    if (type == AggregatedPreference.class && fingerprint == AGGREGATED_PREFERENCE_FINGERPRINT) {
      return (BodyEncoder<T>) (BodyEncoder<AggregatedPreference>) OutputEncoders::aggregated;
    }
    if (type == LabelerWeight.class && fingerprint == LABELER_WEIGHT_FINGERPRINT) {
      return (BodyEncoder<T>) (BodyEncoder<LabelerWeight>) OutputEncoders::weight;
    }
    return null;
  }

  /** AggregatedPreference, contributions as one block of items (Avro's array encoding). */
  public static void aggregated(AggregatedPreference a, BinaryWriter out) {
    out.writeString(a.getCohort());
    out.writeString(a.getPromptId());
    out.writeString(a.getResponseAId());
    out.writeString(a.getResponseBId());
    out.writeLong(a.getSequence());
    out.writeLong(a.getCloseTime());
    out.writeInt(a.getCloseReason().ordinal());
    out.writeDouble(a.getPreference());
    out.writeInt(a.getChosen().ordinal());
    out.writeDouble(a.getConfidence());
    out.writeDouble(a.getEffectiveLabelers());
    out.writeInt(a.getLabels());
    out.writeDouble(a.getMean());
    out.writeDouble(a.getMedian());
    out.writeDouble(a.getMajority());
    out.writeDouble(a.getEta());
    List<LabelerContribution> contributions = a.getContributions();
    int n = contributions.size();
    if (n > 0) {
      out.writeLong(n);
      for (int i = 0; i < n; i++) {
        LabelerContribution c = contributions.get(i);
        out.writeString(c.getLabelerId());
        out.writeDouble(c.getReport());
        out.writeDouble(c.getWeight());
      }
    }
    out.writeLong(0); // end of the array
  }

  /**
   * LabelerWeight: cohort, labeler_id (string), snapshot_time (long), log_weight, specialist_loss
   * (double), rounds (long), loss, specialist_regret (double).
   */
  public static void weight(LabelerWeight w, BinaryWriter out) {
    out.writeString(w.getCohort());
    out.writeString(w.getLabelerId());
    out.writeLong(w.getSnapshotTime());
    out.writeDouble(w.getLogWeight());
    out.writeDouble(w.getSpecialistLoss());
    out.writeLong(w.getRounds());
    out.writeDouble(w.getLoss());
    out.writeDouble(w.getSpecialistRegret());
  }
}
