package dev.gpuagent.gpu;

import dev.gpuagent.engine.NodeException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU as the process uses it: the device's primary context (retained while any backend uses
 * the device, made current on each thread that calls into it), the kernels' module (loaded from the
 * fatbin resource on first use), the caching allocator, and the health flag. Devices are shared and
 * reference-counted: {@link #acquire} and {@link #release} pair up, and the last release frees the
 * cache, unloads the module and releases the context.
 */
public final class CudaDevice {
  /** The kernels, built by native/build.sh and committed as a jar resource. */
  public static final String FATBIN_RESOURCE = "/native/gpu-agent.fatbin";

  private static final Logger log = LoggerFactory.getLogger(CudaDevice.class);
  private static final Map<Integer, CudaDevice> open = new HashMap<>();
  /** A sticky error outlives the device object: the context stays broken until the process ends. */
  private static final Map<Integer, String> unhealthy = new ConcurrentHashMap<>();
  private static final ThreadLocal<CUcontext> currentContext = new ThreadLocal<>();

  private final DeviceInfo info;
  private final CUdevice device;
  private final CUcontext context;
  private final DeviceAllocator<CUdeviceptr> allocator;
  private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
  private CUmodule module;
  private String moduleFailure;
  private int users;

  private CudaDevice(DeviceInfo info) {
    this.info = info;
    this.device = new CUdevice();
    JCudaDriver.cuDeviceGet(device, info.index());
    this.context = new CUcontext();
    JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
    this.allocator = new DeviceAllocator<>(new JCudaMemory(this), label());
  }

  /**
   * The device {@code index}, opened (or shared) for one more user.
   *
   * @throws GpuUnavailableException with the reason when CUDA or this device cannot be used
   */
  public static CudaDevice acquire(int index) {
    CudaAvailability availability = CudaProbe.availability();
    String whyNot = availability.whyNot(index);
    if (whyNot != null) {
      throw new GpuUnavailableException(whyNot);
    }
    String sick = unhealthy.get(index);
    if (sick != null) {
      throw new GpuUnavailableException("CUDA device " + index + " is unhealthy after " + sick
          + "; restart the process to use it again");
    }
    synchronized (open) {
      CudaDevice device = open.get(index);
      if (device == null) {
        DeviceInfo info = availability.device(index).orElseThrow();
        try {
          device = new CudaDevice(info);
        } catch (RuntimeException e) {
          throw new GpuUnavailableException("could not open the primary context of cuda:" + index + " ("
              + info.name() + "): " + CudaErrors.code(e));
        }
        open.put(index, device);
      }
      device.users++;
      return device;
    }
  }

  /** Gives back one {@link #acquire}; the last one closes the device. Never throws. */
  public void release() {
    synchronized (open) {
      if (--users > 0) {
        return;
      }
      open.remove(info.index());
    }
    close();
  }

  public DeviceInfo info() {
    return info;
  }

  /** {@code cuda:0 (NVIDIA L4)}. */
  public String label() {
    return "cuda:" + info.index() + " (" + info.name() + ")";
  }

  public DeviceAllocator<CUdeviceptr> allocator() {
    return allocator;
  }

  public boolean healthy() {
    return !unhealthy.containsKey(info.index());
  }

  /** Why the device is unhealthy, or null. */
  public String unhealthyReason() {
    return unhealthy.get(info.index());
  }

  /** Marks the device unhealthy after a sticky error; logs once. */
  public void markUnhealthy(String reason) {
    if (unhealthy.putIfAbsent(info.index(), reason) == null) {
      log.error("{} is unhealthy after {}: no more work is scheduled on it until the process restarts",
          label(), reason);
    }
  }

  /** Makes this device's primary context current on the calling thread (a no-op when it already is). */
  public void makeCurrent() {
    if (currentContext.get() != context) {
      JCudaDriver.cuCtxSetCurrent(context);
      currentContext.set(context);
    }
  }

  /** A kernel from the fatbin; the module is loaded on first use, functions are cached. */
  public CUfunction function(String name) {
    CUfunction cached = functions.get(name);
    if (cached != null) {
      return cached;
    }
    CUmodule loaded = module();
    makeCurrent();
    CUfunction function = new CUfunction();
    try {
      JCudaDriver.cuModuleGetFunction(function, loaded, name);
    } catch (CudaException e) {
      if ("CUDA_ERROR_NOT_FOUND".equals(CudaErrors.code(e))) {
        throw new NodeException("kernel '" + name + "' is not in " + FATBIN_RESOURCE
            + ": the fatbin is older than the code; rebuild it with native/build.sh");
      }
      throw e;
    }
    functions.putIfAbsent(name, function);
    return functions.get(name);
  }

  private synchronized CUmodule module() {
    if (module != null) {
      return module;
    }
    if (moduleFailure != null) {
      throw new NodeException(moduleFailure);
    }
    byte[] image;
    try (InputStream in = CudaDevice.class.getResourceAsStream(FATBIN_RESOURCE)) {
      if (in == null) {
        moduleFailure = "the CUDA kernels are missing: resource " + FATBIN_RESOURCE
            + " is not in this build (build it with native/build.sh, or use a release jar)";
        throw new NodeException(moduleFailure);
      }
      image = in.readAllBytes();
    } catch (IOException e) {
      moduleFailure = "could not read resource " + FATBIN_RESOURCE + ": " + e.getMessage();
      throw new NodeException(moduleFailure);
    }
    makeCurrent();
    CUmodule loaded = new CUmodule();
    try {
      JCudaDriver.cuModuleLoadData(loaded, image);
    } catch (CudaException e) {
      String code = CudaErrors.code(e);
      if (CudaErrors.isSticky(code) || CudaErrors.isOutOfMemory(code)) {
        throw e;
      }
      moduleFailure = "could not load " + FATBIN_RESOURCE + " on " + label() + ", compute capability "
          + info.computeCapability() + ": " + code + explainModuleError(code);
      throw new NodeException(moduleFailure);
    }
    module = loaded;
    log.debug("loaded {} ({} bytes) on {}", FATBIN_RESOURCE, image.length, label());
    return module;
  }

  private static String explainModuleError(String code) {
    return switch (code) {
      case "CUDA_ERROR_NO_BINARY_FOR_GPU" -> " (the fatbin has no code for this architecture)";
      case "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" -> " (the driver is older than the nvcc that built the kernels)";
      case "CUDA_ERROR_INVALID_IMAGE", "CUDA_ERROR_INVALID_SOURCE" -> " (the resource is not a valid fatbin)";
      default -> "";
    };
  }

  /** Frees the cache, unloads the module and releases the context; logs, never throws. */
  private void close() {
    boolean sick = !healthy();
    try {
      makeCurrent();
      if (sick) {
        allocator.abandon();
      } else {
        DeviceAllocator.Stats stats = allocator.stats();
        if (stats.inUseBytes() > 0) {
          log.warn("{}: {} of device memory still in use at close", label(), Bytes.human(stats.inUseBytes()));
        }
        allocator.close();
        synchronized (this) {
          if (module != null) {
            JCudaDriver.cuModuleUnload(module);
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("{}: error while closing: {}", label(), e.getMessage());
      allocator.abandon();
    } finally {
      synchronized (this) {
        module = null;
      }
      functions.clear();
      try {
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
      } catch (RuntimeException e) {
        log.warn("{}: releasing the primary context failed: {}", label(), e.getMessage());
      }
      if (currentContext.get() == context) {
        currentContext.remove();
      }
    }
  }

  @Override
  public String toString() {
    return label();
  }
}
