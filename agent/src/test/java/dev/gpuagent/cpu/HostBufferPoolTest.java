package dev.gpuagent.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.gpuagent.engine.Shape;
import org.junit.jupiter.api.Test;

class HostBufferPoolTest {
  private static final int N = HostBufferPool.MIN_POOLED_LENGTH;

  @Test
  void aGivenArrayIsReusedZeroedForTheSameLength() {
    HostBufferPool pool = new HostBufferPool(1 << 30);
    float[] a = pool.take(N, true);
    a[7] = 3f;
    pool.give(a);
    float[] b = pool.take(N, true);
    assertSame(a, b);
    assertEquals(0f, b[7]);
    assertEquals(0, pool.pooledBytes());
  }

  @Test
  void anOverwriteTakeSkipsTheFill() {
    HostBufferPool pool = new HostBufferPool(1 << 30);
    float[] a = pool.take(N, false);
    a[7] = 3f;
    pool.give(a);
    assertEquals(3f, pool.take(N, false)[7]);
  }

  @Test
  void otherLengthsSmallArraysAndOverflowAreNotPooled() {
    HostBufferPool pool = new HostBufferPool(4L * N);
    float[] a = pool.take(N, true);
    pool.give(a);
    assertNotSame(a, pool.take(N + 3, true), "another length gets a new array");
    float[] small = new float[16];
    pool.give(small);
    assertEquals(4L * N, pool.pooledBytes(), "small arrays are not kept");
    pool.give(new float[N]);
    assertEquals(4L * N, pool.pooledBytes(), "past the byte bound arrays are dropped");
  }

  @Test
  void closingATensorTwiceReturnsItsArrayOnce() {
    HostBufferPool.SHARED.clear();
    CpuTensor t = CpuTensor.allocate(Shape.image(1, 256, 256, 3));
    t.close();
    t.close();
    assertEquals(4L * 256 * 256 * 3, HostBufferPool.SHARED.pooledBytes());
    CpuTensor u = CpuTensor.allocate(Shape.image(1, 256, 256, 3));
    CpuTensor v = CpuTensor.allocate(Shape.image(1, 256, 256, 3));
    assertNotSame(u.data(), v.data(), "one closed tensor's array goes to one new tensor only");
    HostBufferPool.SHARED.clear();
  }
}
