package dev.gpuagent.gpu;

import java.util.Set;
import java.util.function.Consumer;
import jcuda.CudaException;

/** What a CUDA error code means for the run and the device. */
final class CudaErrors {
  /**
   * Errors that leave the context unusable until the process ends (the driver reports them from
   * every later call): the device is marked unhealthy.
   */
  private static final Set<String> STICKY = Set.of(
      "CUDA_ERROR_ILLEGAL_ADDRESS",
      "CUDA_ERROR_LAUNCH_FAILED",
      "CUDA_ERROR_LAUNCH_TIMEOUT",
      "CUDA_ERROR_HARDWARE_STACK_ERROR",
      "CUDA_ERROR_ILLEGAL_INSTRUCTION",
      "CUDA_ERROR_MISALIGNED_ADDRESS",
      "CUDA_ERROR_INVALID_ADDRESS_SPACE",
      "CUDA_ERROR_INVALID_PC",
      "CUDA_ERROR_ASSERT",
      "CUDA_ERROR_ECC_UNCORRECTABLE",
      "CUDA_ERROR_NVLINK_UNCORRECTABLE",
      "CUDA_ERROR_CONTEXT_IS_DESTROYED",
      "CUDA_ERROR_EXTERNAL_DEVICE",
      "CUDA_ERROR_UNKNOWN");

  static final String OUT_OF_MEMORY = "CUDA_ERROR_OUT_OF_MEMORY";

  private CudaErrors() {}

  /** JCuda's exception message is the error's name ({@code CUresult.stringFor}); keep the first word. */
  static String code(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return message.strip().split("\\s+", 2)[0];
  }

  static boolean isSticky(String code) {
    return STICKY.contains(code);
  }

  static boolean isOutOfMemory(String code) {
    return OUT_OF_MEMORY.equals(code);
  }

  /**
   * A JCuda error during a node becomes a run failure naming the error and the device; a sticky one
   * also calls {@code onSticky} (which marks the device unhealthy). Other failures pass unchanged.
   */
  static RuntimeException translate(RuntimeException failure, String device, Consumer<String> onSticky) {
    if (!(failure instanceof CudaException)) {
      return failure;
    }
    String code = code(failure);
    if (isSticky(code)) {
      onSticky.accept(code);
      return new GpuDeviceException("CUDA error " + code + " on " + device
          + "; the device is marked unhealthy and takes no more work", code, true, failure);
    }
    if (isOutOfMemory(code)) {
      return new GpuDeviceException("out of GPU memory on " + device + " (" + code + ")", code, false, failure);
    }
    return new GpuDeviceException("CUDA error " + code + " on " + device, code, false, failure);
  }
}
