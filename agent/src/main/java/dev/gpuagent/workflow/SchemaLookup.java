package dev.gpuagent.workflow;

import java.util.Optional;

/** Finds the schema of a node class; the node registry implements it. */
@FunctionalInterface
public interface SchemaLookup {
  Optional<NodeSchema> schema(String classType);
}
