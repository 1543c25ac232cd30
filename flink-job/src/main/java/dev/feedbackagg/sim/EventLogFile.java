package dev.feedbackagg.sim;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * An event log on disk: an Avro object container file whose schema is the union [LabelerReport,
 * PreferenceOutcome], records in the order of {@link EventLog#merged()} (event time). Any Avro tool
 * reads it; {@link #read} gives back the reports and outcomes, ready for core.PipelineReference.
 * File metadata (strings, keys below) say what produced it.
 */
public final class EventLogFile {
  /** Union of the two input records. */
  public static final Schema SCHEMA =
      Schema.createUnion(LabelerReport.getClassSchema(), PreferenceOutcome.getClassSchema());

  public static final String META_PRODUCER = "feedbackagg.producer";
  public static final String META_SCENARIO = "feedbackagg.scenario";
  public static final String META_COHORT = "feedbackagg.cohort";
  public static final String META_SEED = "feedbackagg.seed";

  private EventLogFile() {}

  /** Writes the log, with no metadata beyond the producer. */
  public static void write(Path file, EventLog log) throws IOException {
    write(file, log, Map.of());
  }

  /** Writes the log with metadata (e.g. {@link #metadataOf(Scenario)}). */
  public static void write(Path file, EventLog log, Map<String, String> metadata) throws IOException {
    SpecificDatumWriter<Object> datum = new SpecificDatumWriter<>(SCHEMA, SpecificData.get());
    try (DataFileWriter<Object> w = new DataFileWriter<>(datum)) {
      w.setCodec(CodecFactory.deflateCodec(6));
      w.setMeta(META_PRODUCER, "feedback-aggregation simulate");
      for (Map.Entry<String, String> m : metadata.entrySet()) {
        w.setMeta(m.getKey(), m.getValue());
      }
      w.create(SCHEMA, file.toFile());
      for (Object r : log.merged()) {
        w.append(r);
      }
    }
  }

  /** The metadata naming a scenario. */
  public static Map<String, String> metadataOf(Scenario s) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(META_SCENARIO, s.describe());
    m.put(META_COHORT, s.cohort());
    m.put(META_SEED, Long.toString(s.seed()));
    return m;
  }

  /** Reads a log written by {@link #write}: reports and outcomes in file order. */
  public static EventLog read(Path file) throws IOException {
    List<ReportEvent> reports = new ArrayList<>();
    List<OutcomeEvent> outcomes = new ArrayList<>();
    SpecificDatumReader<Object> datum = new SpecificDatumReader<>(SCHEMA, SCHEMA, SpecificData.get());
    try (DataFileReader<Object> r = new DataFileReader<>(file.toFile(), datum)) {
      for (Object o : r) {
        if (o instanceof LabelerReport rep) {
          reports.add(new ReportEvent(rep, null, 0, 0L));
        } else if (o instanceof PreferenceOutcome out) {
          outcomes.add(new OutcomeEvent(out, null, 0, 0L));
        } else {
          throw new IOException(file + ": unexpected record " + (o == null ? "null" : o.getClass().getName()));
        }
      }
    }
    return new EventLog(reports, outcomes);
  }

  /** The file's string metadata (all keys, including Avro's own). */
  public static Map<String, String> metadata(Path file) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    try (DataFileReader<Object> r = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(SCHEMA))) {
      for (String k : r.getMetaKeys()) {
        m.put(k, new String(r.getMeta(k), StandardCharsets.UTF_8));
      }
    }
    return m;
  }
}
