package dev.gpuagent.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed ComfyUI API-format graph. Keeps the original JSON, which SaveImage embeds in its PNGs and
 * the server stores as {@code workflow_api}.
 */
public record Workflow(Map<String, WorkflowNode> nodes, ObjectNode json) {
  public Workflow {
    Objects.requireNonNull(json, "json");
    nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
  }
}
