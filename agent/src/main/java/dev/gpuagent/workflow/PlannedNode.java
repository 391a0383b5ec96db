package dev.gpuagent.workflow;

import java.util.Map;

/**
 * A validated node ready to execute: literals already converted to their declared types
 * ({@code Long} for INT, {@code Double} for FLOAT, {@code String}, {@code Boolean}) and links checked.
 */
public record PlannedNode(
    WorkflowNode node,
    NodeSchema schema,
    Map<String, Object> literals,
    Map<String, InputValue.Link> links) {

  public PlannedNode {
    literals = Map.copyOf(literals);
    links = Map.copyOf(links);
  }

  public String id() {
    return node.id();
  }

  public String classType() {
    return node.classType();
  }
}
