package dev.gpuagent.ops;

/** Placeholder: filled in by the node-library work. */
final class BlendNodes {
  private BlendNodes() {}

  static void register(NodeRegistry registry) {}
}
