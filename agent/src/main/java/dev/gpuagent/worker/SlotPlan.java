package dev.gpuagent.worker;

import dev.gpuagent.gpu.CudaAvailability;
import dev.gpuagent.gpu.CudaProbe;
import dev.gpuagent.gpu.DeviceInfo;
import dev.gpuagent.gpu.GpuUnavailableException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides the worker's slots from its settings: one per supported GPU (unless {@code gpus: none},
 * which never loads JCuda), plus the CPU slots asked for, or one when no GPU is used.
 */
public final class SlotPlan {
  private static final Logger LOG = LoggerFactory.getLogger(SlotPlan.class);

  private SlotPlan() {}

  /**
   * The slots to offer.
   *
   * @throws GpuUnavailableException with {@code gpus: required} and no usable GPU
   */
  public static List<SlotRuntime> build(WorkerSettings settings) {
    return build(settings, 1);
  }

  /**
   * As {@link #build(WorkerSettings)}, with {@code cpuSlotsWithoutGpu} CPU slots when none are
   * configured and no GPU is used (the dev mode offers 2).
   */
  public static List<SlotRuntime> build(WorkerSettings settings, int cpuSlotsWithoutGpu) {
    List<DeviceInfo> gpus = List.of();
    if (settings.gpus() != WorkerSettings.GpuUse.none) {
      CudaAvailability cuda = CudaProbe.availability();
      if (cuda.available()) {
        gpus = cuda.devices().stream().filter(DeviceInfo::supported).toList();
      } else if (settings.gpus() == WorkerSettings.GpuUse.required) {
        throw new GpuUnavailableException(cuda.reason());
      } else {
        LOG.warn("no usable GPU ({}); offering CPU slots only", cuda.reason());
      }
    }
    int cpuSlots = settings.cpuSlots() >= 0 ? settings.cpuSlots() : gpus.isEmpty() ? cpuSlotsWithoutGpu : 0;
    if (gpus.isEmpty() && cpuSlots == 0) {
      throw new IllegalArgumentException("no slots: no GPU is used and cpu_slots is 0");
    }
    int cores = Runtime.getRuntime().availableProcessors();
    int threads = settings.cpuThreads() > 0 ? settings.cpuThreads() : Math.max(1, cores / Math.max(1, cpuSlots));
    List<SlotRuntime> slots = new ArrayList<>();
    for (DeviceInfo device : gpus) {
      slots.add(new GpuSlot("gpu" + device.index(), device));
    }
    for (int i = 0; i < cpuSlots; i++) {
      slots.add(new CpuSlot("cpu" + i, threads));
    }
    return slots;
  }
}
