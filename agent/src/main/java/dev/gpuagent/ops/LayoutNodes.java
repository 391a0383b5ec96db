package dev.gpuagent.ops;

/** Placeholder: filled in by the node-library work. */
final class LayoutNodes {
  private LayoutNodes() {}

  static void register(NodeRegistry registry) {}
}
