package dev.gpuagent.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** A node input in a workflow: a literal widget value or a link to another node's output. */
public sealed interface InputValue {

  /** A literal value as it appeared in the JSON (number, string, boolean, object or array). */
  record Literal(JsonNode value) implements InputValue {
    public Literal {
      Objects.requireNonNull(value, "value");
    }
  }

  /** {@code [source_node_id, output_index]}. */
  record Link(String sourceNodeId, int outputIndex) implements InputValue {
    public Link {
      Objects.requireNonNull(sourceNodeId, "sourceNodeId");
    }
  }
}
