package dev.gpuagent.gpu;

import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;
import java.util.function.Consumer;
import jcuda.driver.CUdeviceptr;

/**
 * A float32 tensor in device memory, laid out {@code [B,H,W,C]} contiguously like
 * {@link dev.gpuagent.cpu.CpuTensor}. Closing returns the buffer to the device's caching allocator;
 * closing twice is harmless.
 */
public final class CudaTensor implements Tensor {
  private final Shape shape;
  private final CUdeviceptr pointer;
  private final long bytes;
  private Consumer<CudaTensor> onClose;

  CudaTensor(Shape shape, CUdeviceptr pointer, Consumer<CudaTensor> onClose) {
    this.shape = shape;
    this.pointer = pointer;
    this.bytes = shape.elements() * Float.BYTES;
    this.onClose = onClose;
  }

  @Override
  public Shape shape() {
    return shape;
  }

  /** The first element; float32 {@code [B,H,W,C]}, contiguous. */
  public CUdeviceptr pointer() {
    return pointer;
  }

  /** Bytes of tensor data ({@code elements * 4}); the buffer behind it may be larger. */
  public long bytes() {
    return bytes;
  }

  /** Whether {@link #close()} has been called. */
  public synchronized boolean isClosed() {
    return onClose == null;
  }

  @Override
  public void close() {
    Consumer<CudaTensor> release;
    synchronized (this) {
      release = onClose;
      onClose = null;
    }
    if (release != null) {
      release.accept(this);
    }
  }

  @Override
  public String toString() {
    return "CudaTensor" + shape;
  }
}
