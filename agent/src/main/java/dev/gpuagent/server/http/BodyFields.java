package dev.gpuagent.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Typed reads of a JSON object body that collect pydantic-v2-shaped errors instead of throwing at
 * the first, so one 422 lists every bad field, as FastAPI does:
 *
 * <pre>{@code
 * BodyFields body = BodyFields.of(request);
 * UUID deploymentId = body.requiredUuid("deployment_id");
 * ObjectNode inputs = body.optionalObject("inputs").orElseGet(Json::object);
 * Optional<String> gpu = body.optionalEnum("gpu", GPU_TYPES);
 * body.throwIfInvalid();
 * }</pre>
 *
 * A read of a bad field records the error and returns null or empty; call {@link #throwIfInvalid()}
 * before using the values. An optional field that is absent or JSON {@code null} is empty.
 */
public final class BodyFields {
  private static final Set<String> TRUE = Set.of("1", "on", "t", "true", "y", "yes");
  private static final Set<String> FALSE = Set.of("0", "off", "f", "false", "n", "no");

  private final ObjectNode json;
  private final List<ValidationError> errors = new ArrayList<>();

  private BodyFields(ObjectNode json) {
    this.json = json;
  }

  /** The request's body as a JSON object (422 if it is missing, malformed or not an object). */
  public static BodyFields of(Request request) {
    return new BodyFields(JsonBody.object(request.body()));
  }

  public static BodyFields of(ObjectNode json) {
    return new BodyFields(json);
  }

  public ObjectNode json() {
    return json;
  }

  public List<ValidationError> errors() {
    return List.copyOf(errors);
  }

  /** Throws the 422 listing every error recorded so far; returns if there is none. */
  public void throwIfInvalid() {
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }

  /** Records an error of the caller's own (a cross-field rule, a value the store rejects). */
  public void addError(String field, String type, String msg) {
    errors.add(new ValidationError(type, ValidationError.body(field), msg));
  }

  public UUID requiredUuid(String field) {
    JsonNode node = json.get(field);
    if (node == null) {
      errors.add(ValidationError.missing(ValidationError.body(field)));
      return null;
    }
    if (!node.isTextual()) {
      error(field, "uuid_type", "UUID input should be a string, bytes or UUID object");
      return null;
    }
    try {
      return Uuids.parse(node.textValue(), ValidationError.body(field));
    } catch (ValidationException e) {
      errors.addAll(e.errors());
      return null;
    }
  }

  public String requiredString(String field) {
    JsonNode node = json.get(field);
    if (node == null) {
      errors.add(ValidationError.missing(ValidationError.body(field)));
      return null;
    }
    return string(field, node);
  }

  public Optional<String> optionalString(String field) {
    JsonNode node = present(field);
    return node == null ? Optional.empty() : Optional.ofNullable(string(field, node));
  }

  /** A boolean, leniently as pydantic reads one: also 0/1 and "true", "yes", "off", ... */
  public Optional<Boolean> optionalBool(String field) {
    JsonNode node = present(field);
    if (node == null) {
      return Optional.empty();
    }
    if (node.isBoolean()) {
      return Optional.of(node.booleanValue());
    }
    if (node.isNumber() && (node.decimalValue().compareTo(BigDecimal.ZERO) == 0
        || node.decimalValue().compareTo(BigDecimal.ONE) == 0)) {
      return Optional.of(node.decimalValue().compareTo(BigDecimal.ONE) == 0);
    }
    if (node.isTextual()) {
      String text = node.textValue().trim().toLowerCase(Locale.ROOT);
      if (TRUE.contains(text) || FALSE.contains(text)) {
        return Optional.of(TRUE.contains(text));
      }
      error(field, "bool_parsing", "Input should be a valid boolean, unable to interpret input");
      return Optional.empty();
    }
    error(field, "bool_type", "Input should be a valid boolean");
    return Optional.empty();
  }

  /** A JSON object (a {@code dict} field in pydantic terms). */
  public Optional<ObjectNode> optionalObject(String field) {
    JsonNode node = present(field);
    if (node == null) {
      return Optional.empty();
    }
    if (node instanceof ObjectNode object) {
      return Optional.of(object);
    }
    error(field, "dict_type", "Input should be a valid dictionary");
    return Optional.empty();
  }

  /** An integer in {@code [min, max]}; integral floats and numeric strings are accepted. */
  public Optional<Long> optionalInt(String field, long min, long max) {
    JsonNode node = present(field);
    if (node == null) {
      return Optional.empty();
    }
    Long value = integer(field, node);
    if (value == null) {
      return Optional.empty();
    }
    if (value < min) {
      errors.add(new ValidationError("greater_than_equal", ValidationError.body(field),
          "Input should be greater than or equal to " + min, Map.of("ge", min)));
      return Optional.empty();
    }
    if (value > max) {
      errors.add(new ValidationError("less_than_equal", ValidationError.body(field),
          "Input should be less than or equal to " + max, Map.of("le", max)));
      return Optional.empty();
    }
    return Optional.of(value);
  }

  /** One of {@code allowed} (case-sensitive); the message lists them as pydantic does. */
  public Optional<String> optionalEnum(String field, List<String> allowed) {
    JsonNode node = present(field);
    if (node == null) {
      return Optional.empty();
    }
    if (node.isTextual() && allowed.contains(node.textValue())) {
      return Optional.of(node.textValue());
    }
    String expected = expected(allowed);
    errors.add(new ValidationError("enum", ValidationError.body(field),
        "Input should be " + expected, Map.of("expected", expected)));
    return Optional.empty();
  }

  /** An absolute http or https URL (pydantic's {@code HttpUrl}). */
  public Optional<URI> optionalHttpUrl(String field) {
    JsonNode node = present(field);
    if (node == null) {
      return Optional.empty();
    }
    if (!node.isTextual()) {
      error(field, "url_type", "URL input should be a string or URL");
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(node.textValue().trim());
    } catch (URISyntaxException e) {
      error(field, "url_parsing", "Input should be a valid URL, " + e.getReason());
      return Optional.empty();
    }
    if (!uri.isAbsolute()) {
      error(field, "url_parsing", "Input should be a valid URL, relative URL without a base");
      return Optional.empty();
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      errors.add(new ValidationError("url_scheme", ValidationError.body(field),
          "URL scheme should be 'http' or 'https'", Map.of("expected_schemes", "'http' or 'https'")));
      return Optional.empty();
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      error(field, "url_parsing", "Input should be a valid URL, empty host");
      return Optional.empty();
    }
    return Optional.of(uri);
  }

  /** pydantic's list of literals: {@code 'a', 'b' or 'c'}. */
  static String expected(List<String> allowed) {
    List<String> quoted = allowed.stream().map(v -> "'" + v + "'").toList();
    if (quoted.size() == 1) {
      return quoted.getFirst();
    }
    return quoted.subList(0, quoted.size() - 1).stream().collect(Collectors.joining(", "))
        + " or " + quoted.getLast();
  }

  private JsonNode present(String field) {
    JsonNode node = json.get(field);
    return node == null || node.isNull() ? null : node;
  }

  private String string(String field, JsonNode node) {
    if (node.isTextual()) {
      return node.textValue();
    }
    error(field, "string_type", "Input should be a valid string");
    return null;
  }

  private Long integer(String field, JsonNode node) {
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      BigDecimal value = node.decimalValue();
      if (value.stripTrailingZeros().scale() > 0) {
        error(field, "int_from_float",
            "Input should be a valid integer, got a number with a fractional part");
        return null;
      }
      try {
        return value.longValueExact();
      } catch (ArithmeticException e) {
        error(field, "int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size");
        return null;
      }
    }
    if (node.isTextual()) {
      try {
        return Long.parseLong(node.textValue().trim());
      } catch (NumberFormatException e) {
        error(field, "int_parsing", "Input should be a valid integer, unable to parse string as an integer");
        return null;
      }
    }
    error(field, "int_type", "Input should be a valid integer");
    return null;
  }

  private void error(String field, String type, String msg) {
    errors.add(new ValidationError(type, ValidationError.body(field), msg));
  }
}
