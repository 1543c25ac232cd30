package dev.feedbackagg.avro.wire;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;

/**
 * Hand-written decoders of the bodies of the two input records, which the job decodes once per
 * record read (and again where a record crosses the network between its operators). They read the
 * schemas below field by field, in schema order, to the values Avro's datum reader gives; the test
 * compares the two on random and on malformed bytes. A change of either schema changes its
 * fingerprint, and {@link #forType} refuses to serve a schema it was not written for.
 */
public final class InputDecoders {
  private InputDecoders() {}

  /** The fingerprint LabelerReport had when its decoder was written. */
  static final long LABELER_REPORT_FINGERPRINT = 0x60274338ed6f3e76L;

  /** The fingerprint PreferenceOutcome had when its decoder was written. */
  static final long PREFERENCE_OUTCOME_FINGERPRINT = 0xe478e82eef712729L;

  private static final OutcomeSource[] SOURCES = OutcomeSource.values();

  /**
   * Reads one record body; the reader is left after it. The fields whose values repeat (cohort,
   * labeler id) are looked up in the cache.
   */
  @FunctionalInterface
  public interface BodyDecoder<T> {
    T read(BinaryReader in, StringCache cache) throws WireFormatException;
  }

  /**
   * The decoder of a record type whose schema has the given fingerprint, or null when there is
   * none for it (another record, or the schema changed since the decoder was written).
   */
  @SuppressWarnings("unchecked")
  public static <T> BodyDecoder<T> forType(Class<T> type, long fingerprint) {
    if (type == LabelerReport.class && fingerprint == LABELER_REPORT_FINGERPRINT) {
      return (BodyDecoder<T>) (BodyDecoder<LabelerReport>) InputDecoders::report;
    }
    if (type == PreferenceOutcome.class && fingerprint == PREFERENCE_OUTCOME_FINGERPRINT) {
      return (BodyDecoder<T>) (BodyDecoder<PreferenceOutcome>) InputDecoders::outcome;
    }
    return null;
  }

  /**
   * LabelerReport: report_id, cohort, prompt_id, response_a_id, response_b_id, labeler_id (string),
   * preference (double), expected_labels (union null, int), event_time (long).
   */
  public static LabelerReport report(BinaryReader in, StringCache cache) throws WireFormatException {
    // Setters, not the all-fields constructor: that one takes the double and the long boxed.
    LabelerReport r = new LabelerReport();
    r.setReportId(in.readString());
    r.setCohort(in.readString(cache));
    r.setPromptId(in.readString());
    r.setResponseAId(in.readString());
    r.setResponseBId(in.readString());
    r.setLabelerId(in.readString(cache));
    r.setPreference(in.readDouble());
    r.setExpectedLabels(in.readIndex(2) == 0 ? null : in.readInt());
    r.setEventTime(in.readLong());
    return r;
  }

  /** PreferenceOutcome: cohort, prompt_id (string), outcome (double), source (enum), event_time (long). */
  public static PreferenceOutcome outcome(BinaryReader in, StringCache cache) throws WireFormatException {
    PreferenceOutcome o = new PreferenceOutcome();
    o.setCohort(in.readString(cache));
    o.setPromptId(in.readString());
    o.setOutcome(in.readDouble());
    o.setSource(SOURCES[in.readIndex(SOURCES.length)]);
    o.setEventTime(in.readLong());
    return o;
  }
}
