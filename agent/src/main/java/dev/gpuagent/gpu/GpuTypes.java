package dev.gpuagent.gpu;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Maps a device to the product's GPU type (what deployments ask for). The compute capability picks
 * the family and the name confirms the model: 7.5 = T4, 8.0 = A100 (A100-80GB above 60 GiB),
 * 8.6 = A10G, 8.9 = L4 or L40S, 9.0 = H100 or H200. Any other device, including a different card of
 * the same architecture (an RTX 4090 is 8.9, an A30 is 8.0), reports its own name.
 */
public final class GpuTypes {
  /** A100s with more memory than this are the 80 GB model (the 40 GB one reports about 39.4 GiB). */
  static final long A100_80GB_THRESHOLD = 60L << 30;

  private GpuTypes() {}

  public static String typeOf(DeviceInfo device) {
    return typeOf(device.name(), device.ccMajor(), device.ccMinor(), device.totalMemory());
  }

  public static String typeOf(String name, int ccMajor, int ccMinor, long totalMemory) {
    List<String> tokens = tokens(name);
    String type = switch (ccMajor * 10 + ccMinor) {
      case 75 -> tokens.contains("T4") ? "T4" : null;
      case 80 -> tokens.stream().anyMatch(t -> t.startsWith("A100"))
          ? (totalMemory > A100_80GB_THRESHOLD ? "A100-80GB" : "A100") : null;
      case 86 -> tokens.contains("A10G") ? "A10G" : null;
      case 89 -> tokens.contains("L40S") ? "L40S" : tokens.contains("L4") ? "L4" : null;
      case 90 -> tokens.contains("H200") ? "H200" : tokens.contains("H100") ? "H100" : null;
      default -> null;
    };
    return type != null ? type : name.strip();
  }

  /** {@code "NVIDIA A100-SXM4-80GB"} -> [NVIDIA, A100, SXM4, 80GB]. */
  private static List<String> tokens(String name) {
    return Arrays.stream(name.toUpperCase(Locale.ROOT).split("[\\s\\-_/]+")).filter(t -> !t.isEmpty()).toList();
  }
}
