package dev.gpuagent.gpu;

/**
 * No usable CUDA device: no driver, a driver older than CUDA 13, no device at that index, or the
 * device was marked unhealthy. The message says which, for the operator.
 */
public final class GpuUnavailableException extends RuntimeException {
  public GpuUnavailableException(String message) {
    super(message);
  }
}
