package dev.gpuagent.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out, once per JVM, whether the CUDA backend can run here. Loading JCuda without a driver
 * throws {@link UnsatisfiedLinkError} and then {@link NoClassDefFoundError} for the life of the JVM,
 * so the first answer, with its reason, is cached and every later caller gets it. Nothing else may
 * touch JCuda before this has said {@code available}.
 */
public final class CudaProbe {
  /** nvcc 13 code needs a driver of the CUDA 13 generation (R580 or newer). */
  public static final int MIN_DRIVER_VERSION = 13000;

  static final String NO_DRIVER = "no NVIDIA driver found (libcuda.so.1 could not be loaded)";

  private static final Logger log = LoggerFactory.getLogger(CudaProbe.class);
  private static final AtomicInteger attempts = new AtomicInteger();
  private static CudaAvailability cached;

  private CudaProbe() {}

  /** The cached answer; the first call loads JCuda and asks the driver. */
  public static synchronized CudaAvailability availability() {
    if (cached == null) {
      attempts.incrementAndGet();
      cached = probe(JCudaDriverApi::new);
      if (cached.available()) {
        log.debug("CUDA driver {} with {} device(s)", cached.driverVersionText(), cached.devices().size());
      } else {
        log.debug("CUDA unavailable: {}", cached.reason());
      }
    }
    return cached;
  }

  /** How many times the driver was actually probed in this JVM (0 or 1). */
  static int attempts() {
    return attempts.get();
  }

  /** Whether anything has probed yet; lets tests prove a path never touched JCuda. */
  public static synchronized boolean probed() {
    return cached != null;
  }

  /** The probe's decisions, over any driver (a fake in tests). Never throws. */
  static CudaAvailability probe(Supplier<DriverApi> driver) {
    int version = 0;
    try {
      DriverApi api = driver.get();
      version = api.driverVersion();
      if (version < MIN_DRIVER_VERSION) {
        return CudaAvailability.unavailable(oldDriver(version), version, listQuietly(api));
      }
      try {
        api.init();
      } catch (RuntimeException e) {
        return CudaAvailability.unavailable(initFailed(e), version, List.of());
      }
      List<DeviceInfo> devices = list(api);
      if (devices.isEmpty()) {
        return CudaAvailability.unavailable("the NVIDIA driver (CUDA " + CudaAvailability.versionText(version)
            + ") lists no CUDA devices", version, devices);
      }
      if (devices.stream().noneMatch(DeviceInfo::supported)) {
        return CudaAvailability.unavailable("no supported CUDA device: " + devices.stream()
            .map(DeviceInfo::unsupportedReason).reduce((a, b) -> a + "; " + b).orElse(""), version, devices);
      }
      return new CudaAvailability(true, null, version, devices);
    } catch (LinkageError e) {
      return CudaAvailability.unavailable(linkFailure(e), version, List.of());
    } catch (RuntimeException e) {
      return CudaAvailability.unavailable("the CUDA driver failed while listing devices: " + e.getMessage(),
          version, List.of());
    }
  }

  static String oldDriver(int version) {
    return "driver reports CUDA " + CudaAvailability.versionText(version) + " (" + version
        + "); gpu-agent's kernels need a CUDA 13 driver, R580 or newer";
  }

  private static String initFailed(RuntimeException e) {
    String code = String.valueOf(e.getMessage());
    String hint = switch (code) {
      case "CUDA_ERROR_NO_DEVICE" -> "no CUDA-capable device is visible (check CUDA_VISIBLE_DEVICES and the container's GPU access)";
      case "CUDA_ERROR_INSUFFICIENT_DRIVER" -> "the installed driver is older than the CUDA version it is asked for";
      case "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE" -> "the CUDA forward-compatibility package does not support this device";
      case "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH" -> "the kernel module and the user-space driver (libcuda) have different versions";
      case "CUDA_ERROR_NOT_INITIALIZED", "CUDA_ERROR_UNKNOWN" -> "the NVIDIA kernel module may not be loaded";
      default -> null;
    };
    return "the NVIDIA driver could not initialise CUDA (cuInit: " + code + ")" + (hint == null ? "" : ": " + hint);
  }

  /** The JCuda native library failed to load: almost always libcuda.so.1 is absent. */
  private static String linkFailure(LinkageError e) {
    String text = fullText(e);
    if (text.contains("libcuda.so")) {
      return NO_DRIVER;
    }
    String first = text.lines().filter(l -> !l.isBlank()).findFirst().orElse(e.getClass().getSimpleName());
    return "the JCuda driver binding could not be loaded: " + first;
  }

  private static String fullText(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      s.append(t).append('\n');
    }
    return s.toString();
  }

  private static List<DeviceInfo> list(DriverApi api) {
    int count = api.deviceCount();
    List<DeviceInfo> devices = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      devices.add(api.device(i));
    }
    return devices;
  }

  /** With a driver too old to use, the devices are still worth showing, if the driver lists them. */
  private static List<DeviceInfo> listQuietly(DriverApi api) {
    try {
      api.init();
      return list(api);
    } catch (RuntimeException | LinkageError e) {
      return List.of();
    }
  }
}
