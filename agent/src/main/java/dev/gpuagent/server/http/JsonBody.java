package dev.gpuagent.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Reads a request body as JSON the way FastAPI does for a body model: no body is {@code missing} at
 * {@code ["body"]}; malformed JSON is {@code json_invalid} at {@code ["body", position]} (the
 * character offset where parsing stopped); a body that is not an object is {@code
 * model_attributes_type}. Each is a {@link ValidationException} (422).
 */
public final class JsonBody {
  private JsonBody() {}

  /** The body as a JSON object, or a 422. */
  public static ObjectNode object(byte[] body) {
    JsonNode node = parse(body);
    if (!(node instanceof ObjectNode object)) {
      throw new ValidationException(
          new ValidationError(
              "model_attributes_type",
              List.of("body"),
              "Input should be a valid dictionary or object to extract fields from"));
    }
    return object;
  }

  /** The body as any JSON value, or a 422. */
  public static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw new ValidationException(ValidationError.missing(List.of("body")));
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw invalid(0, "body is not valid UTF-8");
    }
    if (text.isBlank()) {
      throw invalid(text.length(), "Expecting value");
    }
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation location = e.getLocation();
      long offset = location == null ? 0 : Math.max(0, location.getCharOffset());
      String message = e.getOriginalMessage();
      int marker = message.indexOf(" (start marker at");
      if (marker > 0) {
        message = message.substring(0, marker);
      }
      offset = tokenStart(message, offset);
      throw invalid(offset, message.length() > 200 ? message.substring(0, 200) + "..." : message);
    }
  }

  /**
   * Jackson reports an unrecognised token where it ends; Python's json (FastAPI's parser) where it
   * starts. Move back to the start so positions agree.
   */
  private static long tokenStart(String message, long offset) {
    String prefix = "Unrecognized token '";
    int end = message.indexOf("': was expecting");
    if (message.startsWith(prefix) && end > prefix.length()) {
      String token = message.substring(prefix.length(), end);
      if (!token.endsWith("...") && token.length() <= offset) {
        return offset - token.length();
      }
    }
    return offset;
  }

  private static ValidationException invalid(long position, String error) {
    return new ValidationException(
        new ValidationError(
            "json_invalid", List.of("body", position), "JSON decode error", Map.of("error", error)));
  }
}
