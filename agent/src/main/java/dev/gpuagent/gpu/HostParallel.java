package dev.gpuagent.gpu;

import dev.gpuagent.cpu.Parallel;

/**
 * Host threads for the host-side parts of CUDA node implementations: image decoding before an
 * upload, PNG encoding after a download, and Lanczos resizing (which stays on the host). One pool
 * for the process, created on first use; its ForkJoin workers are daemon threads.
 */
public final class HostParallel {
  private HostParallel() {}

  private static final class Holder {
    static final Parallel PARALLEL = new Parallel(Runtime.getRuntime().availableProcessors());
  }

  public static Parallel get() {
    return Holder.PARALLEL;
  }
}
