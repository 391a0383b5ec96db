package dev.gpuagent.worker;

import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.engine.Backend;
import dev.gpuagent.protocol.SlotInfo;

/** A CPU slot: the CPU backend with its share of the cores. */
final class CpuSlot implements SlotRuntime {
  private final SlotInfo info;
  private final int threads;
  private CpuBackend backend;

  CpuSlot(String slotId, int threads) {
    this(SlotInfo.cpu(slotId), threads);
  }

  /** A slot offered as {@code info} that computes on the CPU (tests offer fake GPU types this way). */
  CpuSlot(SlotInfo info, int threads) {
    this.info = info;
    this.threads = Math.max(1, threads);
  }

  @Override
  public SlotInfo info() {
    return info;
  }

  @Override
  public Backend backend() {
    if (backend == null) {
      backend = new CpuBackend(threads);
    }
    return backend;
  }

  @Override
  public boolean healthy() {
    return true;
  }

  @Override
  public String unhealthyReason() {
    return null;
  }

  @Override
  public void close() {
    if (backend != null) {
      backend.close();
    }
  }
}
