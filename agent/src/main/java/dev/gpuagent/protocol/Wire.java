package dev.gpuagent.protocol;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Helpers for the wire spelling of the protocol's enums. */
final class Wire {
  private Wire() {}

  /** The constant whose lower-case name is {@code value}; a clear error naming the choices if none. */
  static <E extends Enum<E>> E enumValue(Class<E> type, String value, String field) {
    for (E constant : type.getEnumConstants()) {
      if (constant.name().toLowerCase(Locale.ROOT).equals(value)) {
        return constant;
      }
    }
    String choices = Arrays.stream(type.getEnumConstants())
        .map(c -> c.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
    throw new IllegalArgumentException(field + " must be one of " + choices + ", got \""
        + (value != null && value.length() > 40 ? value.substring(0, 40) + "..." : value) + "\"");
  }
}
