package dev.gpuagent.gpu;

import java.util.Objects;

/**
 * One CUDA device as the driver describes it.
 *
 * @param index the driver's ordinal (what {@code --device N} names; honours CUDA_VISIBLE_DEVICES)
 * @param name the product name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param ccMajor compute capability, major part
 * @param ccMinor compute capability, minor part
 * @param totalMemory bytes of device memory
 * @param uuid {@code GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}, as nvidia-smi prints it
 * @param pciBusId {@code domain:bus:device.function}, e.g. {@code 0000:3B:00.0}
 */
public record DeviceInfo(int index, String name, int ccMajor, int ccMinor, long totalMemory, String uuid,
    String pciBusId) {
  /** The oldest architecture the fatbin carries code for (SASS sm_75). */
  public static final int MIN_CC = 75;

  public DeviceInfo {
    Objects.requireNonNull(name, "name");
    uuid = uuid == null ? "" : uuid;
    pciBusId = pciBusId == null ? "" : pciBusId;
  }

  /** {@code "8.9"}. */
  public String computeCapability() {
    return ccMajor + "." + ccMinor;
  }

  /** The product's GPU type: T4, L4, A10G, L40S, A100, A100-80GB, H100, H200, else the name. */
  public String type() {
    return GpuTypes.typeOf(this);
  }

  /** Whether gpu-agent's kernels can run here (compute capability 7.5 or newer). */
  public boolean supported() {
    return ccMajor * 10 + ccMinor >= MIN_CC;
  }

  /** Why the kernels cannot run here, or null when they can. */
  public String unsupportedReason() {
    return supported() ? null
        : "device " + index + " (" + name + ") has compute capability " + computeCapability()
            + "; gpu-agent's kernels need 7.5 (Turing) or newer";
  }

  /** {@code cuda:0 NVIDIA L4}. */
  public String label() {
    return "cuda:" + index + " " + name;
  }

  /** The driver's 16 UUID bytes in nvidia-smi's form, {@code GPU-} then 8-4-4-4-12 hex digits. */
  public static String formatUuid(byte[] bytes) {
    if (bytes == null || bytes.length != 16) {
      return "";
    }
    StringBuilder s = new StringBuilder("GPU-");
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        s.append('-');
      }
      s.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16)).append(Character.forDigit(bytes[i] & 0xF, 16));
    }
    return s.toString();
  }
}
