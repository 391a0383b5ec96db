package dev.gpuagent.engine;

import java.util.Optional;

/** Finds the implementation of a node class for a backend; the node registry implements it. */
@FunctionalInterface
public interface NodeCatalog {
  Optional<NodeImpl> implementation(String classType, BackendKind kind);
}
