package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The CUDA backend on a real device (device 0); skipped with the reason where there is none. */
@Tag("gpu")
class CudaBackendTest {
  private CudaBackend cuda;

  @BeforeAll
  static void needsADevice() {
    String whyNot = CudaProbe.availability().whyNot(0);
    if (whyNot != null) {
      System.out.println("CudaBackendTest skipped: no CUDA device (" + whyNot + ")");
    }
    assumeTrue(whyNot == null, "skipped: no CUDA device (" + whyNot + ")");
  }

  @BeforeEach
  void open() {
    cuda = CudaBackend.open(0);
  }

  @AfterEach
  void close() {
    if (cuda != null) {
      cuda.close();
    }
  }

  private static CpuTensor random(long seed, Shape shape) {
    CpuTensor t = CpuTensor.allocate(shape);
    Random random = new Random(seed);
    float[] data = t.data();
    for (int i = 0; i < data.length; i++) {
      data[i] = random.nextFloat() * 2 - 0.5f;
    }
    return t;
  }

  @Test
  void describesItsDevice() {
    assertEquals(BackendKind.CUDA, cuda.kind());
    assertTrue(cuda.description().startsWith("cuda:0 " + cuda.device().info().name()), cuda.description());
    assertTrue(cuda.device().healthy());
  }

  @Test
  void uploadThenDownloadReturnsTheSameFloats() {
    for (Shape shape : new Shape[] {Shape.image(1, 1, 1, 3), Shape.image(2, 7, 13, 4), Shape.mask(3, 17, 5)}) {
      CpuTensor host = random(shape.elements(), shape);
      try (CudaTensor device = cuda.upload(host)) {
        assertEquals(shape, device.shape());
        assertEquals(shape.elements() * 4, device.bytes());
        assertArrayEquals(host.data(), cuda.download(device).data(), "round trip of " + shape);
      }
    }
  }

  @Test
  void aTensorLargerThanTheStagingChunkRoundTrips() {
    Shape shape = Shape.image(1, 2048, 2048, 3); // 48 MiB: two staging chunks and a half
    CpuTensor host = random(7, shape);
    try (CudaTensor device = cuda.upload(host)) {
      assertArrayEquals(host.data(), cuda.download(device).data());
    }
  }

  @Test
  void downloadBytesReadsRawDeviceMemory() {
    CpuTensor host = CpuTensor.allocate(Shape.image(1, 3, 5, 3));
    for (int i = 0; i < host.data().length; i++) {
      host.data()[i] = i * 0.25f;
    }
    try (CudaTensor device = cuda.upload(host)) {
      byte[] raw = cuda.downloadBytes(device.pointer(), device.bytes());
      float[] back = new float[host.data().length];
      ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()).asFloatBuffer().get(back);
      assertArrayEquals(host.data(), back);
    }
  }

  @Test
  void aClosedTensorsBufferIsReusedByTheNextOfItsSize() {
    CudaTensor first = cuda.allocate(Shape.image(1, 64, 64, 3));
    CUdeviceptr pointer = first.pointer();
    first.close();
    first.close();
    long hits = cuda.device().allocator().stats().cacheHits();
    try (CudaTensor second = cuda.allocate(Shape.image(1, 64, 64, 3))) {
      assertEquals(pointer, second.pointer());
      assertEquals(hits + 1, cuda.device().allocator().stats().cacheHits());
    }
  }

  @Test
  void scratchLastsUntilTheNodeEnds() {
    cuda.beginNode();
    CUdeviceptr a = cuda.scratch(1 << 20);
    long inUse = cuda.device().allocator().stats().inUseBytes();
    cuda.endNode();
    assertEquals(inUse - (1 << 20), cuda.device().allocator().stats().inUseBytes());
    cuda.beginNode();
    assertEquals(a, cuda.scratch(1 << 20), "the released scratch buffer serves the next node");
    cuda.endNode();
  }

  @Test
  void anImpossibleAllocationFailsWithBytesAskedAndFree() {
    Shape huge = Shape.image(1, 65536, 65536, 16); // 256 GiB
    GpuOutOfMemoryException oom = assertThrows(GpuOutOfMemoryException.class, () -> cuda.allocate(huge));
    assertTrue(oom.getMessage().startsWith("out of GPU memory on cuda:0"), oom.getMessage());
    assertTrue(oom.getMessage().contains("asked for " + huge.elements() * 4 + " bytes"), oom.getMessage());
    assertTrue(cuda.device().healthy(), "out of memory does not make the device unhealthy");
    try (CudaTensor small = cuda.upload(random(1, Shape.image(1, 4, 4, 3)))) {
      assertEquals(48 * 4, small.bytes());
    }
  }

  @Test
  void eventsTimeTheWorkBetweenNodeBoundaries() {
    try (CudaTensor a = cuda.allocate(Shape.image(1, 4096, 4096, 4)); // 256 MiB
        CudaTensor b = cuda.allocate(Shape.image(1, 4096, 4096, 4))) {
      double before = cuda.kernelMillis();
      cuda.beginNode();
      for (int i = 0; i < 4; i++) {
        JCudaDriver.cuMemcpyDtoDAsync(b.pointer(), a.pointer(), a.bytes(), cuda.stream());
      }
      cuda.endNode();
      double spent = cuda.kernelMillis() - before;
      assertTrue(spent > 0.05 && spent < 10_000, "1 GiB of device copies took " + spent + " ms");
    }
  }

  @Test
  void theModuleLoadsFromTheFatbinOrNamesTheMissingResource() {
    boolean bundled = CudaDevice.class.getResource(CudaDevice.FATBIN_RESOURCE) != null;
    NodeException e = assertThrows(NodeException.class, () -> cuda.function("ga_no_such_kernel"));
    if (bundled) {
      assertTrue(e.getMessage().contains("kernel 'ga_no_such_kernel' is not in /native/gpu-agent.fatbin"),
          e.getMessage());
    } else {
      assertTrue(e.getMessage().contains("resource /native/gpu-agent.fatbin"), e.getMessage());
    }
  }

  @Test
  void functionsAreCachedPerContext() {
    assumeTrue(CudaDevice.class.getResource(CudaDevice.FATBIN_RESOURCE) != null, "skipped: no fatbin in this build");
    String kernel = System.getProperty("gpuagent.test.kernel", "ga_invert");
    assumeTrue(kernelExists(kernel), "skipped: kernel " + kernel + " is not in the fatbin");
    assertSame(cuda.function(kernel), cuda.function(kernel));
  }

  private boolean kernelExists(String name) {
    try {
      cuda.function(name);
      return true;
    } catch (NodeException e) {
      return false;
    }
  }

  @Test
  void aSecondBackendSharesTheDeviceAndItsContext() {
    try (CudaBackend other = CudaBackend.open(0)) {
      assertSame(cuda.device(), other.device());
      try (CudaTensor t = other.upload(random(3, Shape.image(1, 8, 8, 3)))) {
        assertEquals(Shape.image(1, 8, 8, 3), other.download(t).shape());
      }
    }
    assertTrue(cuda.device().healthy());
    try (CudaTensor t = cuda.upload(random(4, Shape.image(1, 2, 2, 3)))) {
      assertEquals(12, cuda.download(t).data().length);
    }
  }
}
