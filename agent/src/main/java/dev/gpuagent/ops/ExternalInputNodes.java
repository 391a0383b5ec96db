package dev.gpuagent.ops;

/** Placeholder: filled in by the node-library work. */
final class ExternalInputNodes {
  private ExternalInputNodes() {}

  static void register(NodeRegistry registry) {}
}
