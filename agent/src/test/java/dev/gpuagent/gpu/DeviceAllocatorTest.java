package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.engine.NodeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceAllocatorTest {
  private static final long MIB = 1L << 20;
  private static final Object STREAM_A = "stream A";
  private static final Object STREAM_B = "stream B";

  /** A device with a memory budget; pointers are fake addresses. */
  private static final class FakeDevice implements DeviceAllocator.Driver<Long> {
    final long total;
    long used;
    long nextAddress = 0x7f0000000000L;
    final Map<Long, Long> live = new HashMap<>();
    final List<String> calls = new ArrayList<>();

    FakeDevice(long total) {
      this.total = total;
    }

    @Override
    public Long allocate(long bytes) {
      calls.add("alloc " + bytes);
      if (used + bytes > total) {
        return null;
      }
      used += bytes;
      long address = nextAddress;
      nextAddress += bytes;
      live.put(address, bytes);
      return address;
    }

    @Override
    public void free(Long pointer) {
      calls.add("free " + live.get(pointer));
      used -= live.remove(pointer);
    }

    @Override
    public long[] memoryInfo() {
      return new long[] {total - used, total};
    }

    @Override
    public void synchronize() {
      calls.add("sync");
    }
  }

  private long now;

  private DeviceAllocator<Long> allocator(FakeDevice device) {
    return new DeviceAllocator<>(device, "cuda:0 (Fake)", () -> now);
  }

  @Test
  void sizeClassesArePowersOfTwoUpToOneMibThenTwoMibMultiples() {
    assertEquals(512, DeviceAllocator.sizeClass(0));
    assertEquals(512, DeviceAllocator.sizeClass(1));
    assertEquals(512, DeviceAllocator.sizeClass(512));
    assertEquals(1024, DeviceAllocator.sizeClass(513));
    assertEquals(4096, DeviceAllocator.sizeClass(4000));
    assertEquals(MIB, DeviceAllocator.sizeClass(MIB));
    assertEquals(2 * MIB, DeviceAllocator.sizeClass(MIB + 1));
    assertEquals(2 * MIB, DeviceAllocator.sizeClass(2 * MIB));
    assertEquals(4 * MIB, DeviceAllocator.sizeClass(2 * MIB + 1));
    // A 4096x4096 RGB float image: 192 MiB exactly.
    assertEquals(192 * MIB, DeviceAllocator.sizeClass(4096L * 4096 * 3 * 4));
    assertEquals(6 * MIB, DeviceAllocator.sizeClass(5 * MIB + 7));
    assertThrows(IllegalArgumentException.class, () -> DeviceAllocator.sizeClass(-1));
  }

  @Test
  void aReleasedBufferIsReusedForTheSameSizeClassWithoutTheDriver() {
    FakeDevice device = new FakeDevice(1 << 30);
    DeviceAllocator<Long> allocator = allocator(device);
    var first = allocator.allocate(3000, STREAM_A);
    allocator.release(first);
    var second = allocator.allocate(4096, STREAM_A);
    assertEquals(first.pointer(), second.pointer());
    assertEquals(List.of("alloc 4096"), device.calls);
    assertEquals(1, allocator.stats().cacheHits());
    assertEquals(1, allocator.stats().driverAllocations());
  }

  @Test
  void aDifferentSizeClassGetsANewBuffer() {
    FakeDevice device = new FakeDevice(1 << 30);
    DeviceAllocator<Long> allocator = allocator(device);
    allocator.release(allocator.allocate(4096, STREAM_A));
    var bigger = allocator.allocate(8192, STREAM_A);
    assertEquals(List.of("alloc 4096", "alloc 8192"), device.calls);
    assertEquals(8192, bigger.size());
    assertEquals(List.of(4096L), allocator.cachedSizes());
  }

  @Test
  void aLargeRequestMayTakeACachedBlockUpToAnEighthLarger() {
    FakeDevice device = new FakeDevice(1L << 34);
    DeviceAllocator<Long> allocator = allocator(device);
    var block = allocator.allocate(64 * MIB, STREAM_A);
    allocator.release(block);
    assertSame(block, allocator.allocate(58 * MIB, STREAM_A), "64 MiB serves 58 MiB (within 1/8)");
    allocator.release(block);
    assertNotSame(block, allocator.allocate(40 * MIB, STREAM_A), "but not 40 MiB");
  }

  @Test
  void aBlockCachedByOneStreamIsNotGivenToAnotherUntilRetired() {
    FakeDevice device = new FakeDevice(1 << 30);
    DeviceAllocator<Long> allocator = allocator(device);
    var a = allocator.allocate(MIB, STREAM_A);
    allocator.release(a);
    var b = allocator.allocate(MIB, STREAM_B);
    assertTrue(!a.pointer().equals(b.pointer()), "stream B must not reuse memory stream A may still read");
    allocator.release(b);
    allocator.retire(STREAM_B);
    var c = allocator.allocate(MIB, STREAM_A);
    var d = allocator.allocate(MIB, STREAM_A);
    assertEquals(java.util.Set.of(a.pointer(), b.pointer()), java.util.Set.of(c.pointer(), d.pointer()));
    assertEquals(2, allocator.stats().driverAllocations());
  }

  @Test
  void releaseIsIdempotent() {
    FakeDevice device = new FakeDevice(1 << 30);
    DeviceAllocator<Long> allocator = allocator(device);
    var block = allocator.allocate(1000, STREAM_A);
    allocator.release(block);
    allocator.release(block);
    assertEquals(List.of(1024L), allocator.cachedSizes());
    assertEquals(0, allocator.stats().inUseBytes());
  }

  @Test
  void whenTheDriverIsFullTheCacheIsFreedAndTheAllocationRetried() {
    FakeDevice device = new FakeDevice(10 * MIB);
    DeviceAllocator<Long> allocator = allocator(device);
    allocator.release(allocator.allocate(4 * MIB, STREAM_A));
    allocator.release(allocator.allocate(4 * MIB, STREAM_A)); // reuses the first
    var other = allocator.allocate(2 * MIB, STREAM_A);
    device.calls.clear();
    var big = allocator.allocate(8 * MIB, STREAM_A);
    assertEquals(List.of("alloc " + 8 * MIB, "sync", "free " + 4 * MIB, "alloc " + 8 * MIB), device.calls);
    assertEquals(8 * MIB, big.size());
    assertEquals(1, allocator.stats().trims());
    assertEquals(10 * MIB, allocator.stats().inUseBytes());
    allocator.release(other);
  }

  @Test
  void outOfMemorySaysBytesAskedFreeAndTotal() {
    FakeDevice device = new FakeDevice(16 * MIB);
    DeviceAllocator<Long> allocator = allocator(device);
    allocator.allocate(10 * MIB, STREAM_A);
    GpuOutOfMemoryException oom = assertThrows(GpuOutOfMemoryException.class,
        () -> allocator.allocate(12 * MIB + 5, STREAM_A));
    assertTrue(oom instanceof NodeException, "fails the run, like any node error");
    assertEquals("out of GPU memory on cuda:0 (Fake): asked for 12582917 bytes (12.0 MiB), 6291456 bytes"
        + " (6.0 MiB) free of 16777216 (16.0 MiB)", oom.getMessage());
    assertEquals(12 * MIB + 5, oom.requested());
    assertEquals(6 * MIB, oom.free());
    assertEquals(16 * MIB, oom.total());
    assertEquals(List.of("alloc " + 10 * MIB, "alloc " + 14 * MIB), device.calls,
        "with nothing cached there is nothing to trim and no retry");
  }

  @Test
  void outOfMemoryAfterTrimStillFailsCleanly() {
    FakeDevice device = new FakeDevice(16 * MIB);
    DeviceAllocator<Long> allocator = allocator(device);
    allocator.allocate(10 * MIB, STREAM_A);
    allocator.release(allocator.allocate(4 * MIB, STREAM_A));
    assertThrows(GpuOutOfMemoryException.class, () -> allocator.allocate(8 * MIB, STREAM_A));
    assertEquals(0, allocator.stats().cachedBytes(), "the cache was given back trying");
    assertEquals(10 * MIB, device.used);
    var fits = allocator.allocate(6 * MIB, STREAM_A);
    assertEquals(6 * MIB, fits.size());
  }

  @Test
  void trimIfIdleFreesTheCacheOnlyAfterTheIdleTime() {
    FakeDevice device = new FakeDevice(1 << 30);
    DeviceAllocator<Long> allocator = allocator(device);
    now = 1_000;
    allocator.release(allocator.allocate(MIB, STREAM_A));
    now = 1_000 + 500;
    assertEquals(0, allocator.trimIfIdle(1_000));
    assertEquals(MIB, allocator.stats().cachedBytes());
    now = 1_000 + 1_000;
    assertEquals(MIB, allocator.trimIfIdle(1_000));
    assertEquals(0, device.used);
  }

  @Test
  void closeFreesTheCacheAndLaterReleasesAreNoOps() {
    FakeDevice device = new FakeDevice(1 << 30);
    DeviceAllocator<Long> allocator = allocator(device);
    var held = allocator.allocate(MIB, STREAM_A);
    allocator.release(allocator.allocate(2 * MIB, STREAM_A));
    allocator.close();
    assertEquals(MIB, device.used, "the cached block is freed; the held one goes with the context");
    allocator.release(held);
    assertEquals(MIB, device.used);
    assertThrows(IllegalStateException.class, () -> allocator.allocate(1, STREAM_A));
  }

  @Test
  void peakCountsTheMostInUseAtOnce() {
    FakeDevice device = new FakeDevice(1 << 30);
    DeviceAllocator<Long> allocator = allocator(device);
    var a = allocator.allocate(MIB, STREAM_A);
    var b = allocator.allocate(MIB, STREAM_A);
    allocator.release(a);
    allocator.release(b);
    allocator.allocate(MIB, STREAM_A);
    assertEquals(2 * MIB, allocator.stats().peakBytes());
    assertEquals(MIB, allocator.stats().inUseBytes());
  }
}
