package dev.gpuagent.server.http;

import java.util.List;
import java.util.Map;

/** A FastAPI-shaped 422: {@code {"detail": [ValidationError, ...]}}. */
public final class ValidationException extends ApiException {
  private final List<ValidationError> errors;

  public ValidationException(List<ValidationError> errors) {
    super(422, summary(errors));
    this.errors = List.copyOf(errors);
  }

  public ValidationException(ValidationError error) {
    this(List.of(error));
  }

  public List<ValidationError> errors() {
    return errors;
  }

  @Override
  public Response toResponse() {
    return Response.json(422, Map.of("detail", errors));
  }

  private static String summary(List<ValidationError> errors) {
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a validation error needs at least one entry");
    }
    ValidationError first = errors.getFirst();
    return first.loc() + ": " + first.msg() + (errors.size() > 1 ? " (+" + (errors.size() - 1) + ")" : "");
  }
}
