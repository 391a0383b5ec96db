package dev.gpuagent.cpu;

import dev.gpuagent.engine.Shape;

/** Element-wise image kernels of the basic image nodes (EmptyImage, ImageInvert). */
public final class ImageBasics {
  private ImageBasics() {}

  /** A {@code [B,H,W,3]} image of one colour (channel values already in 0..1). */
  public static CpuTensor solid(int batch, int height, int width, float r, float g, float b, Parallel parallel) {
    CpuTensor out = CpuTensor.allocate(Shape.image(batch, height, width, 3));
    float[] data = out.data();
    int rows = batch * height;
    parallel.forRange(rows, (long) width * 3, (from, to) -> {
      for (int i = from * width * 3, end = to * width * 3; i < end; i += 3) {
        data[i] = r;
        data[i + 1] = g;
        data[i + 2] = b;
      }
    });
    return out;
  }

  /** {@code 1 - x} for every element (every channel, alpha included, as ComfyUI's ImageInvert). */
  public static CpuTensor invert(CpuTensor image, Parallel parallel) {
    CpuTensor out = CpuTensor.allocateForOverwrite(image.shape());
    float[] src = image.data();
    float[] dst = out.data();
    int rowLength = image.width() * image.channels();
    parallel.forRange(image.batch() * image.height(), rowLength, (from, to) -> {
      for (int i = from * rowLength, end = to * rowLength; i < end; i++) {
        dst[i] = 1f - src[i];
      }
    });
    return out;
  }
}
