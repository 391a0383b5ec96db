package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.engine.NodeException;
import java.util.ArrayList;
import java.util.List;
import jcuda.CudaException;
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

  @Test
  void aStickyErrorFailsTheRunAndMarksTheDevice() {
    List<String> marked = new ArrayList<>();
    RuntimeException out = CudaErrors.translate(new CudaException("CUDA_ERROR_ILLEGAL_ADDRESS"), "cuda:0 (NVIDIA L4)",
        marked::add);
    GpuDeviceException e = (GpuDeviceException) out;
    assertEquals("CUDA error CUDA_ERROR_ILLEGAL_ADDRESS on cuda:0 (NVIDIA L4); the device is marked unhealthy"
        + " and takes no more work", e.getMessage());
    assertTrue(e.deviceLost());
    assertTrue(e instanceof NodeException);
    assertEquals(List.of("CUDA_ERROR_ILLEGAL_ADDRESS"), marked);
  }

  @Test
  void outOfMemoryFailsTheRunOnly() {
    List<String> marked = new ArrayList<>();
    GpuDeviceException e = (GpuDeviceException) CudaErrors.translate(new CudaException("CUDA_ERROR_OUT_OF_MEMORY"),
        "cuda:1 (Tesla T4)", marked::add);
    assertEquals("out of GPU memory on cuda:1 (Tesla T4) (CUDA_ERROR_OUT_OF_MEMORY)", e.getMessage());
    assertFalse(e.deviceLost());
    assertTrue(marked.isEmpty());
  }

  @Test
  void otherFailuresPassUnchanged() {
    RuntimeException plain = new IllegalArgumentException("bad");
    assertSame(plain, CudaErrors.translate(plain, "cuda:0", code -> {
      throw new AssertionError();
    }));
    NodeException node = new NodeException("user error");
    assertSame(node, CudaErrors.translate(node, "cuda:0", code -> {
      throw new AssertionError();
    }));
  }
}
