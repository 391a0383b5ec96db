package dev.gpuagent.cpu;

import dev.gpuagent.engine.Backend;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.Tensor;

/** Runs nodes on host threads. One instance may serve several runs at once. */
public final class CpuBackend implements Backend {
  private final Parallel parallel;

  public CpuBackend(int threads) {
    this.parallel = new Parallel(threads);
  }

  public CpuBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  /** The backend behind a CPU node call. */
  public static CpuBackend of(dev.gpuagent.engine.NodeInvocation call) {
    if (call.backend() instanceof CpuBackend cpu) {
      return cpu;
    }
    throw new IllegalStateException("CPU implementation called on " + call.backend().description());
  }

  public Parallel parallel() {
    return parallel;
  }

  @Override
  public BackendKind kind() {
    return BackendKind.CPU;
  }

  @Override
  public String description() {
    return "cpu (" + parallel.threads() + " threads)";
  }

  /** CPU tensors need no conversion; kept for symmetry with the CUDA backend's upload. */
  public CpuTensor host(Tensor tensor) {
    return CpuTensor.of(tensor);
  }

  @Override
  public void close() {
    parallel.shutdown();
  }
}
