package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CudaErrorsTest {
  @Test
  void illegalAddressAndLaunchFailureAreSticky() {
    assertTrue(CudaErrors.isSticky("CUDA_ERROR_ILLEGAL_ADDRESS"));
    assertTrue(CudaErrors.isSticky("CUDA_ERROR_LAUNCH_FAILED"));
    assertTrue(CudaErrors.isSticky("CUDA_ERROR_ECC_UNCORRECTABLE"));
  }

  @Test
  void outOfMemoryAndBadArgumentsAreNotSticky() {
    assertFalse(CudaErrors.isSticky("CUDA_ERROR_OUT_OF_MEMORY"));
    assertFalse(CudaErrors.isSticky("CUDA_ERROR_INVALID_VALUE"));
    assertFalse(CudaErrors.isSticky("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"));
    assertTrue(CudaErrors.isOutOfMemory("CUDA_ERROR_OUT_OF_MEMORY"));
  }

  @Test
  void theCodeIsTheFirstWordOfJCudasMessage() {
    assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", CudaErrors.code(new RuntimeException("CUDA_ERROR_ILLEGAL_ADDRESS")));
    assertEquals("INVALID", CudaErrors.code(new RuntimeException("INVALID CUresult: 912")));
    assertEquals("RuntimeException", CudaErrors.code(new RuntimeException()));
  }
}
