package dev.gpuagent.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.util.Collection;
import java.util.List;

/**
 * Turns Jackson's binding errors into one line a protocol peer can act on:
 * {@code slots[0].memory_bytes: expected an integer}, never Java class names or Jackson's hints.
 */
final class FieldErrors {
  private FieldErrors() {}

  static String describe(JsonProcessingException e, int maxChars) {
    String where = e instanceof JsonMappingException mapping ? path(mapping.getPath()) : "";
    String text;
    IllegalArgumentException ours = ourCause(e);
    if (ours != null) {
      text = where.isEmpty() ? ours.getMessage() : where + ": " + ours.getMessage();
    } else if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
      boolean missing = String.valueOf(e.getOriginalMessage()).startsWith("Cannot map `null`");
      String field = where.isEmpty() ? "a field" : where;
      text = missing ? field + " is required" : field + ": expected " + expected(mismatch.getTargetType());
    } else {
      String what = ProtocolCodec.clip(e.getOriginalMessage());
      text = where.isEmpty() ? what : where + ": " + what;
    }
    return text.length() > maxChars ? text.substring(0, maxChars) + "..." : text;
  }

  /** The innermost message of a runtime failure, for the unexpected cases. */
  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  /** The validation failure of one of our constructors or enum creators, if that is the cause. */
  private static IllegalArgumentException ourCause(Throwable e) {
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof IllegalArgumentException iae && !(t instanceof JsonProcessingException)) {
        return iae;
      }
    }
    return null;
  }

  private static String path(List<JsonMappingException.Reference> references) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : references) {
      if (ref.getFieldName() != null) {
        if (!out.isEmpty()) {
          out.append('.');
        }
        out.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  private static String expected(Class<?> type) {
    if (type == String.class) {
      return "a string";
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == double.class || type == Double.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    return type.isEnum() ? "a string" : "an object";
  }
}
