package dev.gpuagent.engine;

/**
 * The compute a run executes on. Node implementations are looked up per {@link BackendKind}; the
 * backend object itself carries what they need (a thread pool, a CUDA device and stream).
 */
public interface Backend extends AutoCloseable {
  BackendKind kind();

  /** For logs and the CLI: {@code cpu (2 threads)}, {@code cuda:0 NVIDIA H100 80GB HBM3}. */
  String description();

  /** Called by the executor just before a node's implementation runs. */
  default void beginNode() {}

  /**
   * Called by the executor after every node, whether it succeeded or failed; must not throw. The
   * CUDA backend releases the node's scratch buffers here.
   */
  default void endNode() {}

  /**
   * Lets the backend turn a node's failure into one users understand (a CUDA error into a run
   * failure naming the device); returns the failure to report.
   */
  default RuntimeException translateFailure(RuntimeException failure) {
    return failure;
  }

  @Override
  void close();
}
