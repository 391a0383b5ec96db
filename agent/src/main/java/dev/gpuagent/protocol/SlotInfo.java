package dev.gpuagent.protocol;

/**
 * One slot a worker offers in {@code hello}: a GPU device, or a CPU slot.
 *
 * @param slotId unique within the worker, stable across reconnects (e.g. {@code gpu0}, {@code cpu0})
 * @param gpuType the GPU type dispatch matches against ({@code T4}, {@code H100}, ..., the device
 *     name for unknown devices); {@code CPU} for CPU slots
 * @param deviceIndex the CUDA device index; null for CPU slots
 * @param uuid the device UUID ({@code GPU-...}); null for CPU slots
 * @param memoryBytes total device memory; null for CPU slots
 */
public record SlotInfo(
    String slotId, SlotKind kind, String gpuType, Integer deviceIndex, String uuid, Long memoryBytes) {

  public SlotInfo {
    Check.id(slotId, "slot_id");
    Check.required(kind, "kind");
    Check.id(gpuType, "gpu_type");
    Check.optionalId(uuid, "uuid");
    if (kind == SlotKind.GPU && (deviceIndex == null || deviceIndex < 0)) {
      throw new IllegalArgumentException("device_index is required (>= 0) for a gpu slot");
    }
    if (memoryBytes != null) {
      Check.nonNegative(memoryBytes, "memory_bytes");
    }
  }

  public static SlotInfo gpu(String slotId, String gpuType, int deviceIndex, String uuid, long memoryBytes) {
    return new SlotInfo(slotId, SlotKind.GPU, gpuType, deviceIndex, uuid, memoryBytes);
  }

  public static SlotInfo cpu(String slotId) {
    return new SlotInfo(slotId, SlotKind.CPU, Protocol.CPU_GPU_TYPE, null, null, null);
  }
}
