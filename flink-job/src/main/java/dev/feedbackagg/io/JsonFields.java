package dev.feedbackagg.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.feedbackagg.avro.DeadLetterReason;
import dev.feedbackagg.io.RecordValidation.Problem;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the fields of a JSON input record. A field that is absent or JSON null is MISSING_FIELD; a
 * field of the wrong JSON type is MALFORMED; an integer that does not fit the Avro type, or an enum
 * symbol the schema does not have, is OUT_OF_RANGE. Unknown fields are ignored.
 */
final class JsonFields {

  /**
   * Thread-safe once configured. NaN and Infinity are accepted as numbers (Python's json module
   * writes them) so that they are reported as OUT_OF_RANGE rather than as a syntax error; duplicate
   * keys and trailing content after the object are MALFORMED.
   */
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final int MAX_SHOWN = 80;

  /** A field or document that cannot be used; carries its dead-letter problem. No stack trace. */
  static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;
    final Problem problem;

    Invalid(DeadLetterReason reason, String message) {
      super(message, null, false, false);
      this.problem = new Problem(reason, message);
    }
  }

  private JsonFields() {}

  /** Parses one JSON object; MALFORMED when the bytes are not JSON or not an object. */
  static JsonNode parseObject(byte[] bytes) throws Invalid {
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new Invalid(
          DeadLetterReason.MALFORMED, "value: invalid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
    } catch (IOException | RuntimeException e) {
      throw new Invalid(DeadLetterReason.MALFORMED, "value: invalid JSON: " + e);
    }
    if (node == null || node.isMissingNode()) {
      throw new Invalid(DeadLetterReason.MALFORMED, "value: empty, not a JSON object");
    }
    if (!node.isObject()) {
      throw new Invalid(
          DeadLetterReason.MALFORMED, "value: JSON " + describe(node) + " is not a JSON object");
    }
    return node;
  }

  static String text(JsonNode obj, String field) throws Invalid {
    JsonNode n = required(obj, field);
    if (!n.isTextual()) {
      throw wrongType(field, "a string", n);
    }
    return n.textValue();
  }

  /** A double; integral JSON numbers are accepted. */
  static double number(JsonNode obj, String field) throws Invalid {
    JsonNode n = required(obj, field);
    if (!n.isNumber()) {
      throw wrongType(field, "a number", n);
    }
    return n.doubleValue();
  }

  /** A long: an integral JSON number (1.0 or 1e3 are not integral here). */
  static long int64(JsonNode obj, String field) throws Invalid {
    JsonNode n = required(obj, field);
    if (!n.isIntegralNumber()) {
      throw wrongType(field, "an integer", n);
    }
    if (!n.canConvertToLong()) {
      throw new Invalid(
          DeadLetterReason.OUT_OF_RANGE, field + ": " + show(n) + " is not a 64-bit integer");
    }
    return n.longValue();
  }

  /** An optional int: null when absent or JSON null. */
  static Integer optionalInt32(JsonNode obj, String field) throws Invalid {
    JsonNode n = obj.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber()) {
      throw wrongType(field, "an integer or null", n);
    }
    if (!n.canConvertToInt()) {
      throw new Invalid(
          DeadLetterReason.OUT_OF_RANGE, field + ": " + show(n) + " is not a 32-bit integer");
    }
    return n.intValue();
  }

  /** An Avro enum symbol, case-sensitive; an unknown symbol is OUT_OF_RANGE. */
  static <E extends Enum<E>> E symbol(JsonNode obj, String field, Class<E> type) throws Invalid {
    String s = text(obj, field);
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(s)) {
        return e;
      }
    }
    throw new Invalid(
        DeadLetterReason.OUT_OF_RANGE,
        field + ": " + show(obj.get(field)) + " is not one of " + Arrays.toString(type.getEnumConstants()));
  }

  private static JsonNode required(JsonNode obj, String field) throws Invalid {
    JsonNode n = obj.get(field);
    if (n == null) {
      throw new Invalid(DeadLetterReason.MISSING_FIELD, field + ": missing");
    }
    if (n.isNull()) {
      throw new Invalid(DeadLetterReason.MISSING_FIELD, field + ": null");
    }
    return n;
  }

  private static Invalid wrongType(String field, String expected, JsonNode n) {
    return new Invalid(
        DeadLetterReason.MALFORMED, field + ": expected " + expected + ", got " + describe(n));
  }

  /** "string \"0.5\"", "boolean true", "object {...}". */
  private static String describe(JsonNode n) {
    String type = n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    return type + " " + show(n);
  }

  private static String show(JsonNode n) {
    String s = n.toString();
    return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() <= 300 ? line : line.substring(0, 300) + "...";
  }
}
