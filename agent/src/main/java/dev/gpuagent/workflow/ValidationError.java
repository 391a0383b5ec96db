package dev.gpuagent.workflow;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One error in ComfyUI's shape: {@code {type, message, details, extra_info}}. The type names match
 * ComfyUI's {@code validate_prompt} so its users recognise them.
 */
public record ValidationError(String type, String message, String details, Map<String, Object> extraInfo) {

  public ValidationError {
    details = details == null ? "" : details;
    extraInfo = extraInfo == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraInfo));
  }

  public static ValidationError of(String type, String message, String details) {
    return new ValidationError(type, message, details, Map.of());
  }

  /** Builds {@code extra_info} maps in a fixed key order, tolerating null values. */
  static Map<String, Object> info(Object... keyValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return map;
  }
}
