package dev.gpuagent.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * A caching allocator for one device. Buffers are handed out in size classes (powers of two up to
 * 1 MiB, multiples of 2 MiB above) and, when closed, kept in a cache keyed by class for the next
 * request instead of going back to the driver, so a run that makes the same images over and over
 * costs no cuMemAlloc after the first pass. When the driver is out of memory the cache is freed and
 * the allocation tried once more; after that the request fails with {@link GpuOutOfMemoryException}.
 *
 * <p>A cached block remembers the stream (owner) that released it and is reused only by that owner,
 * since work queued on its stream may still read it; {@link #retire} hands an owner's blocks to
 * everyone once its stream has been synchronised. The driver is a tiny interface, so the size classes
 * and the bookkeeping are tested without a GPU. Thread-safe.
 *
 * @param <P> the driver's pointer type ({@code CUdeviceptr} for JCuda)
 */
public final class DeviceAllocator<P> implements AutoCloseable {
  /** The driver calls the allocator needs. */
  public interface Driver<P> {
    /** A new device buffer of {@code bytes} bytes, or null when the device is out of memory. */
    P allocate(long bytes);

    void free(P pointer);

    /** {@code {free, total}} bytes of device memory. */
    long[] memoryInfo();

    /** Waits until no queued work can still touch memory about to be freed. */
    void synchronize();
  }

  /** One buffer: a driver pointer and its size class. */
  public static final class Block<P> {
    private final P pointer;
    private final long size;
    private Object owner;
    private boolean inUse;

    Block(P pointer, long size) {
      this.pointer = pointer;
      this.size = size;
    }

    public P pointer() {
      return pointer;
    }

    /** The block's size class: at least the bytes asked for. */
    public long size() {
      return size;
    }
  }

  /** Counters for logs, metrics and tests. */
  public record Stats(long inUseBytes, long cachedBytes, long peakBytes, long driverAllocations,
      long cacheHits, long trims) {}

  static final long SMALL_LIMIT = 1L << 20;
  static final long LARGE_GRANULE = 2L << 20;
  static final long MIN_BLOCK = 512;

  private final Driver<P> driver;
  private final String device;
  private final LongSupplier clock;
  private final NavigableMap<Long, ArrayDeque<Block<P>>> cache = new TreeMap<>();
  private long inUseBytes;
  private long cachedBytes;
  private long peakBytes;
  private long driverAllocations;
  private long cacheHits;
  private long trims;
  private long lastActivity;
  private boolean closed;

  /**
   * @param device how OOM messages name the device, e.g. {@code cuda:0 (NVIDIA L4)}
   * @param clock nanosecond clock for idle trimming ({@code System::nanoTime})
   */
  public DeviceAllocator(Driver<P> driver, String device, LongSupplier clock) {
    this.driver = driver;
    this.device = device;
    this.clock = clock;
    this.lastActivity = clock.getAsLong();
  }

  public DeviceAllocator(Driver<P> driver, String device) {
    this(driver, device, System::nanoTime);
  }

  /** The size class a request of {@code bytes} bytes is served from. */
  public static long sizeClass(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation: " + bytes);
    }
    if (bytes <= MIN_BLOCK) {
      return MIN_BLOCK;
    }
    if (bytes <= SMALL_LIMIT) {
      return Long.highestOneBit(bytes - 1) << 1;
    }
    long granules = (bytes + LARGE_GRANULE - 1) / LARGE_GRANULE;
    if (granules > Long.MAX_VALUE / LARGE_GRANULE) {
      throw new IllegalArgumentException("allocation too large: " + bytes);
    }
    return granules * LARGE_GRANULE;
  }

  /**
   * A block of at least {@code bytes} bytes for {@code owner} (the stream that will use it): from the
   * cache when a block of the class (or, above 1 MiB, at most an eighth larger) is free, else new.
   *
   * @throws GpuOutOfMemoryException when the device has no room even after the cache is freed
   */
  public synchronized Block<P> allocate(long bytes, Object owner) {
    if (closed) {
      throw new IllegalStateException("the allocator of " + device + " is closed");
    }
    long size = sizeClass(bytes);
    lastActivity = clock.getAsLong();
    Block<P> block = takeCached(size, owner);
    if (block != null) {
      cacheHits++;
    } else {
      P pointer = driver.allocate(size);
      if (pointer == null && cachedBytes > 0) {
        trim();
        pointer = driver.allocate(size);
      }
      if (pointer == null) {
        long[] info = driver.memoryInfo();
        throw new GpuOutOfMemoryException(device, bytes, info[0], info[1]);
      }
      driverAllocations++;
      block = new Block<>(pointer, size);
    }
    block.owner = owner;
    block.inUse = true;
    inUseBytes += block.size;
    peakBytes = Math.max(peakBytes, inUseBytes);
    return block;
  }

  /** Returns a block to the cache; it stays reserved for its owner's stream. Idempotent. */
  public synchronized void release(Block<P> block) {
    if (!block.inUse) {
      return;
    }
    block.inUse = false;
    inUseBytes -= block.size;
    lastActivity = clock.getAsLong();
    if (closed) {
      return; // the device's context, and every buffer in it, is gone
    }
    cache.computeIfAbsent(block.size, k -> new ArrayDeque<>()).addLast(block);
    cachedBytes += block.size;
  }

  /** The owner's stream is synchronised (or gone): its cached blocks may now serve anyone. */
  public synchronized void retire(Object owner) {
    for (ArrayDeque<Block<P>> blocks : cache.values()) {
      for (Block<P> block : blocks) {
        if (block.owner == owner) {
          block.owner = null;
        }
      }
    }
  }

  /** Frees every cached block back to the driver (after a device synchronise); returns the bytes freed. */
  public synchronized long trim() {
    if (cachedBytes == 0) {
      return 0;
    }
    driver.synchronize();
    long freed = cachedBytes;
    for (ArrayDeque<Block<P>> blocks : cache.values()) {
      for (Block<P> block : blocks) {
        driver.free(block.pointer);
      }
    }
    cache.clear();
    cachedBytes = 0;
    trims++;
    return freed;
  }

  /** Trims the cache when nothing was allocated or released for {@code idleNanos}; returns the bytes freed. */
  public synchronized long trimIfIdle(long idleNanos) {
    return clock.getAsLong() - lastActivity >= idleNanos ? trim() : 0;
  }

  public synchronized Stats stats() {
    return new Stats(inUseBytes, cachedBytes, peakBytes, driverAllocations, cacheHits, trims);
  }

  /**
   * Frees the cache. Blocks still in use are not freed here: the device closes its context next,
   * which frees them, and releasing them later is a no-op. See {@link #stats()} for a leak count.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    try {
      trim();
    } finally {
      closed = true;
    }
  }

  /** Forgets everything without calling the driver: the device's context is broken (a sticky error). */
  public synchronized void abandon() {
    cache.clear();
    cachedBytes = 0;
    closed = true;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  private Block<P> takeCached(long size, Object owner) {
    long largest = size > SMALL_LIMIT ? size + size / 8 : size;
    for (Map.Entry<Long, ArrayDeque<Block<P>>> entry : cache.subMap(size, true, largest, true).entrySet()) {
      Iterator<Block<P>> it = entry.getValue().descendingIterator(); // most recently released first
      while (it.hasNext()) {
        Block<P> block = it.next();
        if (block.owner == owner || block.owner == null) {
          it.remove();
          cachedBytes -= block.size;
          if (entry.getValue().isEmpty()) {
            cache.remove(entry.getKey());
          }
          return block;
        }
      }
    }
    return null;
  }

  /** For tests: the cached blocks' sizes, smallest first. */
  synchronized List<Long> cachedSizes() {
    List<Long> sizes = new ArrayList<>();
    cache.forEach((size, blocks) -> blocks.forEach(b -> sizes.add(size)));
    return sizes;
  }
}
