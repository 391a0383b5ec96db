package dev.gpuagent.engine;

/**
 * A float32 tensor owned by a backend (host memory for the CPU, device memory for CUDA). The engine
 * closes a tensor once no live node output refers to it; closing twice is harmless.
 */
public interface Tensor extends AutoCloseable {
  Shape shape();

  /** Frees the tensor's memory now rather than at garbage collection. */
  @Override
  void close();
}
