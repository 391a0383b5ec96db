package dev.gpuagent.engine;

/**
 * The compute a run executes on. Node implementations are looked up per {@link BackendKind}; the
 * backend object itself carries what they need (a thread pool, a CUDA device and stream).
 */
public interface Backend extends AutoCloseable {
  BackendKind kind();

  /** For logs and the CLI: {@code cpu (2 threads)}, {@code cuda:0 NVIDIA H100 80GB HBM3}. */
  String description();

  @Override
  void close();
}
