package dev.gpuagent.gpu;

import dev.gpuagent.engine.NodeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Page-locked host buffers for copies between Java arrays and the device. Two buffers of up to
 * {@link #CHUNK} bytes each are used in turn, so the CPU fills (or drains) one while the DMA engine
 * copies the other; each carries an event that fences its last copy. Buffers grow on demand and are
 * freed on close. One instance per stream; not thread-safe.
 */
final class PinnedStaging implements AutoCloseable {
  /** Largest staging buffer: big transfers go through in chunks of this size. */
  static final long CHUNK = 32L << 20;
  /** Smallest staging buffer, so that small copies do not pin page after page. */
  static final long MIN_BUFFER = 1L << 20;

  private final CudaDevice device;
  private final Slot[] slots = {new Slot(), new Slot()};

  PinnedStaging(CudaDevice device) {
    this.device = device;
  }

  /** A page-locked buffer and the event marking the end of the last copy that used it. */
  private final class Slot {
    Pointer host;
    ByteBuffer bytes;
    long capacity;
    CUevent fence;
    boolean fenced;

    /** Waits for this slot's last copy, then makes room for {@code size} bytes. */
    ByteBuffer acquire(long size) {
      await();
      if (capacity < size) {
        free();
        long grown = Math.min(CHUNK, Math.max(size, Math.max(MIN_BUFFER, capacity * 2)));
        Pointer fresh = new Pointer();
        try {
          JCudaDriver.cuMemAllocHost(fresh, grown);
        } catch (CudaException e) {
          if (CudaErrors.isOutOfMemory(CudaErrors.code(e))) {
            throw new NodeException("out of page-locked host memory: asked for " + grown + " bytes ("
                + Bytes.human(grown) + ") of staging buffer");
          }
          throw e;
        }
        host = fresh;
        capacity = grown;
        bytes = host.getByteBuffer(0, grown).order(ByteOrder.nativeOrder());
      }
      bytes.clear();
      return bytes;
    }

    void fence(CUstream stream) {
      if (fence == null) {
        fence = new CUevent();
        JCudaDriver.cuEventCreate(fence, CUevent_flags.CU_EVENT_DISABLE_TIMING);
      }
      JCudaDriver.cuEventRecord(fence, stream);
      fenced = true;
    }

    void await() {
      if (fenced) {
        JCudaDriver.cuEventSynchronize(fence);
        fenced = false;
      }
    }

    void free() {
      if (host != null) {
        JCudaDriver.cuMemFreeHost(host);
        host = null;
        bytes = null;
        capacity = 0;
      }
    }

    void destroy() {
      try {
        free();
      } finally {
        if (fence != null) {
          JCudaDriver.cuEventDestroy(fence);
          fence = null;
        }
      }
    }
  }

  /** Queues a copy of {@code data} to {@code dst} on {@code stream}; returns once the array is staged. */
  void upload(float[] data, CUdeviceptr dst, CUstream stream) {
    device.makeCurrent();
    int chunkFloats = (int) (CHUNK / Float.BYTES);
    int k = 0;
    for (int from = 0; from < data.length; from += chunkFloats, k++) {
      int count = Math.min(chunkFloats, data.length - from);
      Slot slot = slots[k & 1];
      slot.acquire((long) count * Float.BYTES).asFloatBuffer().put(data, from, count);
      JCudaDriver.cuMemcpyHtoDAsync(dst.withByteOffset((long) from * Float.BYTES), slot.host,
          (long) count * Float.BYTES, stream);
      slot.fence(stream);
    }
  }

  /** Copies {@code data.length} floats from {@code src}; returns when they are in the array. */
  void download(CUdeviceptr src, float[] data, CUstream stream) {
    device.makeCurrent();
    int chunkFloats = (int) (CHUNK / Float.BYTES);
    int pendingFrom = -1;
    int pendingCount = 0;
    int k = 0;
    for (int from = 0; from < data.length; from += chunkFloats, k++) {
      int count = Math.min(chunkFloats, data.length - from);
      Slot slot = slots[k & 1];
      slot.acquire((long) count * Float.BYTES);
      JCudaDriver.cuMemcpyDtoHAsync(slot.host, src.withByteOffset((long) from * Float.BYTES),
          (long) count * Float.BYTES, stream);
      slot.fence(stream);
      if (pendingFrom >= 0) {
        drainFloats(slots[(k - 1) & 1], data, pendingFrom, pendingCount);
      }
      pendingFrom = from;
      pendingCount = count;
    }
    if (pendingFrom >= 0) {
      drainFloats(slots[(k - 1) & 1], data, pendingFrom, pendingCount);
    }
  }

  /** Copies {@code data.length} bytes from {@code src}; returns when they are in the array. */
  void download(CUdeviceptr src, byte[] data, CUstream stream) {
    device.makeCurrent();
    int chunk = (int) CHUNK;
    int pendingFrom = -1;
    int pendingCount = 0;
    int k = 0;
    for (int from = 0; from < data.length; from += chunk, k++) {
      int count = Math.min(chunk, data.length - from);
      Slot slot = slots[k & 1];
      slot.acquire(count);
      JCudaDriver.cuMemcpyDtoHAsync(slot.host, src.withByteOffset(from), count, stream);
      slot.fence(stream);
      if (pendingFrom >= 0) {
        drainBytes(slots[(k - 1) & 1], data, pendingFrom, pendingCount);
      }
      pendingFrom = from;
      pendingCount = count;
    }
    if (pendingFrom >= 0) {
      drainBytes(slots[(k - 1) & 1], data, pendingFrom, pendingCount);
    }
  }

  private static void drainFloats(Slot slot, float[] data, int from, int count) {
    slot.await();
    slot.bytes.clear();
    slot.bytes.asFloatBuffer().get(data, from, count);
  }

  private static void drainBytes(Slot slot, byte[] data, int from, int count) {
    slot.await();
    slot.bytes.clear();
    slot.bytes.get(data, from, count);
  }

  /** Pinned bytes held now (for tests and logs). */
  long capacity() {
    return slots[0].capacity + slots[1].capacity;
  }

  /** Waits for the last copies and frees both buffers and their events. */
  @Override
  public void close() {
    device.makeCurrent();
    RuntimeException first = null;
    for (Slot slot : slots) {
      try {
        slot.await();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
      try {
        slot.destroy();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
