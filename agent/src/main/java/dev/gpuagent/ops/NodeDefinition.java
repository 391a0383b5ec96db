package dev.gpuagent.ops;

import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.NodeImpl;
import dev.gpuagent.workflow.NodeSchema;
import java.util.Objects;
import java.util.Optional;

/**
 * One node class: its schema and its implementations. {@code cuda} may be null while a node has no
 * kernel yet; the CUDA backend then reports the node as unsupported rather than silently copying.
 */
public record NodeDefinition(NodeSchema schema, NodeImpl cpu, NodeImpl cuda) {
  public NodeDefinition {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(cpu, "cpu");
  }

  public static NodeDefinition cpuOnly(NodeSchema schema, NodeImpl cpu) {
    return new NodeDefinition(schema, cpu, null);
  }

  public Optional<NodeImpl> implementation(BackendKind kind) {
    return Optional.ofNullable(kind == BackendKind.CPU ? cpu : cuda);
  }
}
