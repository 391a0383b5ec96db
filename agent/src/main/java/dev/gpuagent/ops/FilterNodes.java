package dev.gpuagent.ops;

/** Placeholder: filled in by the node-library work. */
final class FilterNodes {
  private FilterNodes() {}

  static void register(NodeRegistry registry) {}
}
