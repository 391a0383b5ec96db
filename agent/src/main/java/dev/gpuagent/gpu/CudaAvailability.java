package dev.gpuagent.gpu;

import java.util.List;
import java.util.Optional;

/**
 * What the CUDA probe found: whether the CUDA backend can run, and if not, why.
 *
 * @param available a CUDA 13 driver and at least one device gpu-agent's kernels support
 * @param reason why not, for the operator (null when available)
 * @param driverVersion what {@code cuDriverGetVersion} reported (13000 = CUDA 13.0), 0 if unknown
 * @param devices every device the driver lists, supported or not (empty when none could be listed)
 */
public record CudaAvailability(boolean available, String reason, int driverVersion, List<DeviceInfo> devices) {
  public CudaAvailability {
    devices = List.copyOf(devices);
    if (!available && (reason == null || reason.isBlank())) {
      throw new IllegalArgumentException("an unavailable probe needs a reason");
    }
  }

  static CudaAvailability unavailable(String reason, int driverVersion, List<DeviceInfo> devices) {
    return new CudaAvailability(false, reason, driverVersion, devices);
  }

  /** {@code "13.0"}, or {@code "unknown"}. */
  public String driverVersionText() {
    return driverVersion <= 0 ? "unknown" : versionText(driverVersion);
  }

  public Optional<DeviceInfo> device(int index) {
    return devices.stream().filter(d -> d.index() == index).findFirst();
  }

  /**
   * Why device {@code index} cannot run the CUDA backend, or null when it can: the probe's reason,
   * a missing index, or an architecture older than the kernels'.
   */
  public String whyNot(int index) {
    if (!available) {
      return reason;
    }
    Optional<DeviceInfo> device = device(index);
    if (device.isEmpty()) {
      return "there is no CUDA device " + index + " (the driver lists " + devices.size()
          + (devices.size() == 1 ? " device" : " devices") + ", numbered from 0)";
    }
    return device.get().unsupportedReason();
  }

  /** 12040 -> "12.4". */
  static String versionText(int version) {
    return (version / 1000) + "." + (version % 1000) / 10;
  }
}
