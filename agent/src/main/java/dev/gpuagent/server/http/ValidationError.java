package dev.gpuagent.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * One entry of a FastAPI 422 {@code detail} list, as pydantic v2 writes it: {@code type} (pydantic's
 * error type: {@code missing}, {@code uuid_parsing}, {@code string_type}, ...), {@code loc} (where:
 * {@code ["body", "deployment_id"]}, {@code ["path", "run_id"]}, {@code ["body", 17]}), {@code msg}
 * (pydantic's message) and, for some types, {@code ctx}. Pydantic's {@code input} echo is left out
 * on purpose: it would copy request bodies (and whatever secrets they hold) into error responses.
 */
@JsonPropertyOrder({"type", "loc", "msg", "ctx"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationError(String type, List<Object> loc, String msg, Map<String, Object> ctx) {
  public ValidationError {
    if (type == null || loc == null || msg == null) {
      throw new IllegalArgumentException("type, loc and msg are required");
    }
    loc = List.copyOf(loc);
    ctx = ctx == null ? null : Map.copyOf(ctx);
  }

  public ValidationError(String type, List<Object> loc, String msg) {
    this(type, loc, msg, null);
  }

  /** {@code ["body", field]}. */
  public static List<Object> body(String field) {
    return List.of("body", field);
  }

  public static ValidationError missing(List<Object> loc) {
    return new ValidationError("missing", loc, "Field required");
  }
}
