package dev.gpuagent.gpu;

import java.util.Set;

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
}
