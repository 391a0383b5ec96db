package dev.gpuagent.cpu;

import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;

/**
 * A tensor in one float array, laid out {@code [B,H,W,C]} as ComfyUI's (masks: C = 1). Closing hands
 * the array to a shared pool for the next tensor of the same size (the engine closes a tensor once no
 * live output refers to it), so never read a tensor after closing it, and never wrap one tensor's
 * array in another.
 */
public final class CpuTensor implements Tensor {
  /** Java arrays stop a little short of Integer.MAX_VALUE. */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

  private final Shape shape;
  private final float[] data;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  public CpuTensor(Shape shape, float[] data) {
    if (data.length != shape.elements()) {
      throw new IllegalArgumentException("data length " + data.length + " does not match shape " + shape);
    }
    this.shape = shape;
    this.data = data;
  }

  /** A zero-filled tensor. */
  public static CpuTensor allocate(Shape shape) {
    return new CpuTensor(shape, HostBufferPool.SHARED.take(checkedLength(shape), true));
  }

  /**
   * A tensor whose contents are undefined (a reused array): only for kernels that write every
   * element before anything reads it.
   */
  public static CpuTensor allocateForOverwrite(Shape shape) {
    return new CpuTensor(shape, HostBufferPool.SHARED.take(checkedLength(shape), false));
  }

  private static int checkedLength(Shape shape) {
    if (shape.elements() > MAX_ELEMENTS) {
      throw new NodeException("tensor " + shape + " has " + shape.elements()
          + " elements, more than the CPU backend holds in one tensor (" + MAX_ELEMENTS + ")");
    }
    return (int) shape.elements();
  }

  /** The CPU view of a tensor handed to a CPU node implementation. */
  public static CpuTensor of(Tensor tensor) {
    if (tensor instanceof CpuTensor cpu) {
      return cpu;
    }
    throw new IllegalArgumentException("expected a CPU tensor, got " + tensor.getClass().getSimpleName());
  }

  @Override
  public Shape shape() {
    return shape;
  }

  public float[] data() {
    return data;
  }

  public int batch() {
    return shape.batch();
  }

  public int height() {
    return shape.height();
  }

  public int width() {
    return shape.width();
  }

  public int channels() {
    return shape.channels();
  }

  /** Element index of (b, y, x, c). */
  public int index(int b, int y, int x, int c) {
    return ((b * shape.height() + y) * shape.width() + x) * shape.channels() + c;
  }

  public float get(int b, int y, int x, int c) {
    return data[index(b, y, x, c)];
  }

  /** Returns the array to the pool; closing twice is harmless. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      HostBufferPool.SHARED.give(data);
    }
  }

  @Override
  public String toString() {
    return "CpuTensor" + shape;
  }
}
