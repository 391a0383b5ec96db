package dev.gpuagent.workflow;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Converts widget literals to their declared types as ComfyUI does ({@code int(val)},
 * {@code float(val)}, {@code str(val)}), except that booleans are strict: Python's
 * {@code bool("false")} is true, which no API user means.
 */
public final class LiteralCoercion {
  private LiteralCoercion() {}

  /** Returns a Long, Double, String or Boolean; throws IllegalArgumentException with the reason. */
  public static Object coerce(String type, JsonNode value) {
    return switch (type) {
      case Types.INT -> toLong(value);
      case Types.FLOAT -> toDouble(value);
      case Types.STRING -> value.isTextual() ? value.asText() : value.isValueNode() ? value.asText() : value.toString();
      case Types.BOOLEAN -> toBoolean(value);
      default -> throw new IllegalArgumentException("a literal cannot be given for a " + type + " input");
    };
  }

  private static Long toLong(JsonNode value) {
    if (value.isIntegralNumber()) {
      if (!value.canConvertToLong()) {
        throw new IllegalArgumentException("integer out of range");
      }
      return value.asLong();
    }
    if (value.isNumber()) {
      double d = value.asDouble();
      if (!Double.isFinite(d) || Math.abs(d) > 9.0e18) {
        throw new IllegalArgumentException("number out of range");
      }
      return (long) d; // int(3.7) == 3 in Python: truncation toward zero.
    }
    if (value.isTextual()) {
      try {
        return Long.parseLong(value.asText().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid literal for int(): '" + value.asText() + "'");
      }
    }
    if (value.isBoolean()) {
      return value.asBoolean() ? 1L : 0L;
    }
    throw new IllegalArgumentException("expected a number, got " + kind(value));
  }

  private static Double toDouble(JsonNode value) {
    double d;
    if (value.isNumber()) {
      d = value.asDouble();
    } else if (value.isTextual()) {
      try {
        d = Double.parseDouble(value.asText().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("could not convert string to float: '" + value.asText() + "'");
      }
    } else if (value.isBoolean()) {
      d = value.asBoolean() ? 1 : 0;
    } else {
      throw new IllegalArgumentException("expected a number, got " + kind(value));
    }
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException("number must be finite");
    }
    return d;
  }

  private static Boolean toBoolean(JsonNode value) {
    if (value.isBoolean()) {
      return value.asBoolean();
    }
    if (value.isIntegralNumber() && (value.asLong() == 0 || value.asLong() == 1)) {
      return value.asLong() == 1;
    }
    if (value.isTextual()) {
      String text = value.asText().trim().toLowerCase(java.util.Locale.ROOT);
      if (text.equals("true")) {
        return true;
      }
      if (text.equals("false")) {
        return false;
      }
    }
    throw new IllegalArgumentException("expected true or false, got " + value);
  }

  private static String kind(JsonNode value) {
    return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
