package dev.gpuagent.protocol;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Field checks for the message records' compact constructors. Messages name the field as it is
 * spelled on the wire, so a decoding error tells the peer exactly what was wrong.
 */
final class Check {
  static final int MAX_ID_LENGTH = 128;
  static final int MAX_TEXT_LENGTH = 4096;

  private Check() {}

  /** A required identifier: non-blank, at most {@value #MAX_ID_LENGTH} characters. */
  static String id(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " is required");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException(field + " is longer than " + MAX_ID_LENGTH + " characters");
    }
    return value;
  }

  /** An optional identifier: null, or as {@link #id}. */
  static String optionalId(String value, String field) {
    return value == null ? null : id(value, field);
  }

  /** Required text, possibly empty, at most {@code max} characters. */
  static String text(String value, String field, int max) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required");
    }
    return optionalText(value, field, max);
  }

  static String optionalText(String value, String field, int max) {
    if (value != null && value.length() > max) {
      throw new IllegalArgumentException(field + " is longer than " + max + " characters");
    }
    return value;
  }

  static long positive(long value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive, got " + value);
    }
    return value;
  }

  static long nonNegative(long value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must not be negative, got " + value);
    }
    return value;
  }

  static double nonNegative(double value, String field) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(field + " must be a finite number >= 0, got " + value);
    }
    return value;
  }

  static <T> T required(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required");
    }
    return value;
  }

  /** A required list without null elements, copied. */
  static <T> List<T> list(List<T> value, String field) {
    return optionalList(required(value, field), field);
  }

  /** An optional list (null reads as empty) without null elements, copied. */
  static <T> List<T> optionalList(List<T> value, String field) {
    if (value == null) {
      return List.of();
    }
    for (T element : value) {
      if (element == null) {
        throw new IllegalArgumentException(field + " must not contain null");
      }
    }
    return List.copyOf(value);
  }

  /** An optional string map (null reads as empty) without null keys or values, copied in order. */
  static Map<String, String> optionalMap(Map<String, String> value, String field) {
    if (value == null) {
      return Map.of();
    }
    Map<String, String> copy = new LinkedHashMap<>();
    value.forEach((key, v) -> {
      if (key == null || key.isEmpty() || v == null) {
        throw new IllegalArgumentException(field + " must map non-empty names to strings");
      }
      copy.put(key, v);
    });
    return Collections.unmodifiableMap(copy);
  }

  /** Fails when two elements share a key. */
  static <T> void unique(List<T> values, Function<T, String> key, String field) {
    Set<String> seen = new HashSet<>();
    for (T value : values) {
      String k = key.apply(value);
      if (!seen.add(k)) {
        throw new IllegalArgumentException(field + " lists \"" + k + "\" twice");
      }
    }
  }
}
