package dev.gpuagent.worker;

import dev.gpuagent.engine.Backend;
import dev.gpuagent.protocol.SlotInfo;

/**
 * What a slot runs its runs on: the CPU backend, or one CUDA device. Every method but
 * {@link #healthy}, {@link #info} and the gauges is called on the slot's own thread, so a CUDA
 * context made current there stays current for the slot's life.
 */
public interface SlotRuntime extends AutoCloseable {
  SlotInfo info();

  /** The backend for the next run; opened on first use. */
  Backend backend();

  /** False once a sticky device error made the slot unusable. */
  boolean healthy();

  /** Why it is not healthy, or null. */
  String unhealthyReason();

  /** After each run: fold its kernel time into the totals. */
  default void afterRun() {}

  /** Between runs: give cached device memory that has been idle a while back to the driver. */
  default void trimIdle() {}

  /** Device bytes in use or cached by this slot's allocator; 0 for the CPU. */
  default long memoryUsedBytes() {
    return 0;
  }

  /** Seconds the device spent in this slot's kernels; 0 for the CPU. */
  default double kernelSeconds() {
    return 0;
  }

  @Override
  void close();
}
