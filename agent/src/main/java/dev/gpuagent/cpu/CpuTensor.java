package dev.gpuagent.cpu;

import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;

/**
 * A tensor in one float array, laid out {@code [B,H,W,C]} as ComfyUI's (masks: C = 1). Closing drops
 * nothing: the garbage collector frees host arrays, and the engine's release of the last reference
 * is what bounds memory.
 */
public final class CpuTensor implements Tensor {
  /** Java arrays stop a little short of Integer.MAX_VALUE. */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

  private final Shape shape;
  private final float[] data;

  public CpuTensor(Shape shape, float[] data) {
    if (data.length != shape.elements()) {
      throw new IllegalArgumentException("data length " + data.length + " does not match shape " + shape);
    }
    this.shape = shape;
    this.data = data;
  }

  public static CpuTensor allocate(Shape shape) {
    if (shape.elements() > MAX_ELEMENTS) {
      throw new NodeException("tensor " + shape + " has " + shape.elements()
          + " elements, more than the CPU backend holds in one tensor (" + MAX_ELEMENTS + ")");
    }
    return new CpuTensor(shape, new float[(int) shape.elements()]);
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

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "CpuTensor" + shape;
  }
}
