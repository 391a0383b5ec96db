package dev.gpuagent.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.server.http.Json;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** Stored JSON text back to trees, and timestamps as the API writes them. */
final class JsonText {
  private JsonText() {}

  /** The tree of stored JSON text; null stays null. */
  static JsonNode tree(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON is malformed: " + e.getOriginalMessage(), e);
    }
  }

  /** ISO-8601 in UTC ({@code 2026-01-01T00:00:00.123Z}); null stays null. */
  static String time(Instant instant) {
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant);
  }
}
