package dev.feedbackagg.io;

/** How the input topics encode their records. */
public enum InputFormat {
  /** Avro binary in single-object encoding (the wire format of ARCHITECTURE.md). */
  AVRO,
  /**
   * One JSON object per record, with the Avro schema's field names (snake_case). Unknown fields are
   * ignored; integral JSON numbers are accepted for double fields.
   */
  JSON
}
