package dev.gpuagent.ops;

/** Placeholder: filled in by the node-library work. */
final class ImageNodes {
  private ImageNodes() {}

  static void register(NodeRegistry registry) {}
}
