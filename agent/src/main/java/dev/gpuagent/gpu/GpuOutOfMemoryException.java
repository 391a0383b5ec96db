package dev.gpuagent.gpu;

import dev.gpuagent.engine.FailureKind;
import dev.gpuagent.engine.NodeException;

/** The device had no room for a buffer even after the allocator freed its cache; fails that run only. */
public final class GpuOutOfMemoryException extends NodeException {
  private final long requested;
  private final long free;
  private final long total;

  public GpuOutOfMemoryException(String device, long requested, long free, long total) {
    super("out of GPU memory" + (device == null ? "" : " on " + device) + ": asked for " + requested + " bytes ("
        + Bytes.human(requested) + "), " + free + " bytes (" + Bytes.human(free) + ") free of " + total
        + " (" + Bytes.human(total) + ")");
    this.requested = requested;
    this.free = free;
    this.total = total;
  }

  public long requested() {
    return requested;
  }

  public long free() {
    return free;
  }

  public long total() {
    return total;
  }

  @Override
  public FailureKind kind() {
    return FailureKind.OUT_OF_MEMORY;
  }
}
