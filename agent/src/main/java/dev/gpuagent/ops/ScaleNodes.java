package dev.gpuagent.ops;

/** Placeholder: filled in by the node-library work. */
final class ScaleNodes {
  private ScaleNodes() {}

  static void register(NodeRegistry registry) {}
}
