package dev.gpuagent.engine;

/**
 * Why a failed run failed, for machines: a worker reports it as {@code error.type}
 * (docs/protocol.md, {@code run_finished}) so dashboards can tell a bad workflow from a full GPU.
 */
public enum FailureKind {
  /** The run did not fail. */
  NONE,
  /** A node refused its input or failed in a way the workflow's author can act on. */
  NODE,
  /** Device or host memory ran out. */
  OUT_OF_MEMORY,
  /** The device failed (a CUDA error); the slot may be unhealthy. */
  DEVICE,
  /** A bug: an exception no node meant to throw. */
  INTERNAL;

  /** The kind of a failure thrown by a node. */
  public static FailureKind of(Throwable failure) {
    if (failure instanceof NodeException node) {
      return node.kind();
    }
    if (failure instanceof OutOfMemoryError) {
      return OUT_OF_MEMORY;
    }
    return INTERNAL;
  }
}
