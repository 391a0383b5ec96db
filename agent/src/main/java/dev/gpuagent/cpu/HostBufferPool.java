package dev.gpuagent.cpu;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reuses the float arrays of closed CPU tensors, the host twin of the GPU's caching allocator. A
 * fresh multi-megabyte array costs more than a pointwise kernel over it (the JVM zeroes it and the
 * pages fault in on first touch); an engine run closes each intermediate after its last consumer,
 * so the next node of the same size gets a warm array back. Bounded in bytes; arrays past the bound
 * are left to the garbage collector.
 */
final class HostBufferPool {
  /** Arrays smaller than this are cheap to allocate and not worth pooling. */
  static final int MIN_POOLED_LENGTH = 1 << 16;

  private final long maxBytes;
  private final AtomicLong pooledBytes = new AtomicLong();
  private final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<float[]>> free = new ConcurrentHashMap<>();

  HostBufferPool(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The pool shared by every CPU tensor: a quarter of the heap at most. */
  static final HostBufferPool SHARED = new HostBufferPool(Runtime.getRuntime().maxMemory() / 4);

  /** An array of exactly {@code length} elements; zero-filled unless {@code zeroed} is false. */
  float[] take(int length, boolean zeroed) {
    if (length >= MIN_POOLED_LENGTH) {
      ConcurrentLinkedDeque<float[]> queue = free.get(length);
      float[] reused = queue == null ? null : queue.pollFirst();
      if (reused != null) {
        pooledBytes.addAndGet(-4L * length);
        if (zeroed) {
          java.util.Arrays.fill(reused, 0f);
        }
        return reused;
      }
    }
    return new float[length];
  }

  /** Gives an array back; the caller must hold no other reference to it. */
  void give(float[] array) {
    if (array.length < MIN_POOLED_LENGTH) {
      return;
    }
    long bytes = 4L * array.length;
    if (pooledBytes.addAndGet(bytes) > maxBytes) {
      pooledBytes.addAndGet(-bytes);
      return;
    }
    free.computeIfAbsent(array.length, k -> new ConcurrentLinkedDeque<>()).offerFirst(array);
  }

  long pooledBytes() {
    return pooledBytes.get();
  }

  /** Drops every pooled array (memory pressure, tests). */
  void clear() {
    free.clear();
    pooledBytes.set(0);
  }
}
