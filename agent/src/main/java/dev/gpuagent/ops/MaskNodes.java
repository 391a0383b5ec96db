package dev.gpuagent.ops;

/** Placeholder: filled in by the node-library work. */
final class MaskNodes {
  private MaskNodes() {}

  static void register(NodeRegistry registry) {}
}
