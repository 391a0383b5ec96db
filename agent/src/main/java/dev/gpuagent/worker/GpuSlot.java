package dev.gpuagent.worker;

import dev.gpuagent.engine.Backend;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.DeviceInfo;
import dev.gpuagent.protocol.SlotInfo;
import java.util.concurrent.TimeUnit;

/**
 * A GPU slot: one CUDA device, its primary context current on the slot's thread, one stream, and the
 * device's caching allocator. The backend is opened on the slot thread at the first run and kept, so
 * cached buffers and pinned staging serve the next run.
 */
final class GpuSlot implements SlotRuntime {
  /** Cached device memory idle this long goes back to the driver. */
  static final long TRIM_IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final SlotInfo info;
  private final int deviceIndex;
  private volatile CudaBackend backend;
  private volatile String openFailure;
  private double kernelMillisSeen;
  private volatile double kernelSeconds;

  GpuSlot(String slotId, DeviceInfo device) {
    this.info = SlotInfo.gpu(slotId, device.type(), device.index(), device.uuid(), device.totalMemory());
    this.deviceIndex = device.index();
  }

  @Override
  public SlotInfo info() {
    return info;
  }

  @Override
  public Backend backend() {
    if (backend == null) {
      try {
        backend = CudaBackend.open(deviceIndex);
      } catch (RuntimeException e) {
        openFailure = e.getMessage();
        throw e;
      }
    }
    return backend;
  }

  @Override
  public boolean healthy() {
    CudaBackend open = backend;
    return openFailure == null && (open == null || open.device().healthy());
  }

  @Override
  public String unhealthyReason() {
    CudaBackend open = backend;
    if (openFailure != null) {
      return openFailure;
    }
    return open == null || open.device().healthy() ? null : open.device().unhealthyReason();
  }

  @Override
  public void afterRun() {
    CudaBackend open = backend;
    if (open != null && open.device().healthy()) {
      try {
        double total = open.kernelMillis();
        kernelSeconds += Math.max(0, total - kernelMillisSeen) / 1000.0;
        kernelMillisSeen = total;
      } catch (RuntimeException e) {
        // timing is best effort; the run's own result already reflects any device failure
      }
    }
  }

  @Override
  public void trimIdle() {
    CudaBackend open = backend;
    if (open != null && open.device().healthy()) {
      open.device().makeCurrent();
      open.device().allocator().trimIfIdle(TRIM_IDLE_NANOS);
    }
  }

  @Override
  public long memoryUsedBytes() {
    CudaBackend open = backend;
    if (open == null) {
      return 0;
    }
    var stats = open.device().allocator().stats();
    return stats.inUseBytes() + stats.cachedBytes();
  }

  @Override
  public double kernelSeconds() {
    return kernelSeconds;
  }

  @Override
  public void close() {
    CudaBackend open = backend;
    if (open != null) {
      open.close();
    }
  }
}
