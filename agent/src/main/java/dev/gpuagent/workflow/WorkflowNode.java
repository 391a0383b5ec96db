package dev.gpuagent.workflow;

import java.util.Map;
import java.util.Objects;

/**
 * One entry of the API-format graph: {@code {class_type, inputs, _meta?}}.
 *
 * @param title {@code _meta.title} when present, else null
 */
public record WorkflowNode(String id, String classType, Map<String, InputValue> inputs, String title) {
  public WorkflowNode {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(classType, "classType");
    inputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
  }

  /** The name people see in live status and errors: the title if set, else the class type. */
  public String displayName() {
    return title == null || title.isBlank() ? classType : title;
  }
}
