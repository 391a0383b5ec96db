package dev.gpuagent.cpu;

import dev.gpuagent.engine.Shape;

/**
 * Element-wise mask kernels (ComfyUI's {@code comfy_extras/nodes_mask.py}) in float32, as PyTorch
 * computes them. Loops run over rows so each thread walks contiguous memory.
 */
public final class MaskOps {
  private MaskOps() {}

  /** {@code torch.full((1, height, width), value)}. */
  public static CpuTensor solid(int height, int width, float value, Parallel parallel) {
    CpuTensor out = CpuTensor.allocate(Shape.mask(1, height, width));
    float[] o = out.data();
    parallel.forRange(height, width, (from, to) -> java.util.Arrays.fill(o, from * width, to * width, value));
    return out;
  }

  /** {@code 1.0 - mask}: the same element-wise formula as ImageInvert. */
  public static CpuTensor invert(CpuTensor mask, Parallel parallel) {
    return ImageBasics.invert(mask, parallel);
  }

  /**
   * {@code (mask > value).float()}. PyTorch compares a float32 tensor with a Python float in
   * float32, so the threshold is rounded to float first (0.1f is not above a threshold of 0.1).
   */
  public static CpuTensor threshold(CpuTensor mask, double value, Parallel parallel) {
    float t = (float) value;
    CpuTensor out = CpuTensor.allocateForOverwrite(mask.shape());
    float[] in = mask.data();
    float[] o = out.data();
    int row = mask.width() * mask.channels();
    parallel.forRange(mask.batch() * mask.height(), row, (from, to) -> {
      for (int i = from * row, end = to * row; i < end; i++) {
        // An int select vectorises; a float one compiles to a branch (5x slower on noisy masks).
        int above = in[i] > t ? 1 : 0;
        o[i] = above;
      }
    });
    return out;
  }

  /** A mask {@code [B,H,W]} repeated into the three channels of an image {@code [B,H,W,3]}. */
  public static CpuTensor toImage(CpuTensor mask, Parallel parallel) {
    CpuTensor out = CpuTensor.allocate(Shape.image(mask.batch(), mask.height(), mask.width(), 3));
    float[] in = mask.data();
    float[] o = out.data();
    int width = mask.width();
    parallel.forRange(mask.batch() * mask.height(), width, (from, to) -> {
      for (int p = from * width, end = to * width; p < end; p++) {
        float v = in[p];
        int q = p * 3;
        o[q] = v;
        o[q + 1] = v;
        o[q + 2] = v;
      }
    });
    return out;
  }

  /** {@code image[:, :, :, channel]} as a mask; the caller checks {@code channel < channels}. */
  public static CpuTensor channel(CpuTensor image, int channel, Parallel parallel) {
    if (channel < 0 || channel >= image.channels()) {
      throw new IllegalArgumentException("channel " + channel + " of " + image.shape());
    }
    CpuTensor out = CpuTensor.allocate(Shape.mask(image.batch(), image.height(), image.width()));
    float[] in = image.data();
    float[] o = out.data();
    int width = image.width();
    int c = image.channels();
    parallel.forRange(image.batch() * image.height(), (long) width * c, (from, to) -> {
      for (int p = from * width, end = to * width; p < end; p++) {
        o[p] = in[p * c + channel];
      }
    });
    return out;
  }
}
