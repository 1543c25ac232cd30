package dev.feedbackagg.avro.wire;

/** A record that cannot be read off the wire, with the reason class the dead-letter topic uses. */
public final class WireFormatException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why decoding failed. */
  public enum Kind {
    /** Not single-object encoded, or the body does not decode. */
    MALFORMED,
    /** A well-formed header whose fingerprint is not the expected schema. */
    UNKNOWN_SCHEMA
  }

  private final Kind kind;

  public WireFormatException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
