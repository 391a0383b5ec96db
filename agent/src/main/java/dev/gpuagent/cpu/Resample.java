package dev.gpuagent.cpu;

import dev.gpuagent.engine.Shape;

/**
 * Image resizing as {@code torch.nn.functional.interpolate(x, size=(h, w), mode=...)} computes it on
 * the CPU in float32 (align_corners=False, no antialiasing), plus Pillow's Lanczos for
 * {@link ResampleMethod#LANCZOS}. Works on interleaved {@code [B,H,W,C]} tensors of any channel count
 * (masks included) and on a rectangular region of the source, which is how ComfyUI's centre crop
 * feeds the resize.
 *
 * <p>The kernels: {@link SeparableResize} (bilinear, bicubic), {@link AreaResize}, {@link PilLanczos}
 * and the gather below (nearest-exact). None makes a full-size intermediate image.
 */
public final class Resample {
  private Resample() {}

  /** A rectangle of the source image: rows y..y+height-1, columns x..x+width-1. */
  public record Region(int y, int x, int height, int width) {
    public static Region whole(Shape shape) {
      return new Region(0, 0, shape.height(), shape.width());
    }

    public boolean isEmpty() {
      return height <= 0 || width <= 0;
    }
  }

  /**
   * The part of an {@code oldW x oldH} image that ComfyUI's {@code common_upscale(crop="center")}
   * keeps before resizing to {@code width x height}: equal margins cut from the sides that are too
   * long for the target aspect, each margin Python's {@code round} (half to even) of the exact
   * floating-point expression ComfyUI uses. May be empty for extreme aspect ratios.
   */
  public static Region centerCrop(int oldW, int oldH, int width, int height) {
    double oldAspect = (double) oldW / oldH;
    double newAspect = (double) width / height;
    int x = 0;
    int y = 0;
    if (oldAspect > newAspect) {
      x = (int) Math.rint((oldW - oldW * (newAspect / oldAspect)) / 2);
    } else if (oldAspect < newAspect) {
      y = (int) Math.rint((oldH - oldH * (oldAspect / newAspect)) / 2);
    }
    return new Region(y, x, oldH - 2 * y, oldW - 2 * x);
  }

  /** Resizes the whole of {@code src} to {@code outH x outW}. */
  public static CpuTensor resize(CpuTensor src, int outH, int outW, ResampleMethod method,
      Parallel parallel) {
    return resize(src, Region.whole(src.shape()), outH, outW, method, parallel);
  }

  /** Resizes {@code region} of every image of {@code src} to {@code outH x outW}; a new tensor. */
  public static CpuTensor resize(CpuTensor src, Region region, int outH, int outW,
      ResampleMethod method, Parallel parallel) {
    if (region.isEmpty() || region.y() < 0 || region.x() < 0
        || region.y() + region.height() > src.height() || region.x() + region.width() > src.width()) {
      throw new IllegalArgumentException("region " + region + " is not inside " + src.shape());
    }
    CpuTensor dst = CpuTensor.allocate(new Shape(src.batch(), outH, outW, src.channels()));
    switch (method) {
      case NEAREST_EXACT -> nearestExact(src, region, dst, parallel);
      case BILINEAR -> SeparableResize.resize(src, region, dst,
          InterpolationTaps.linear(region.width(), outW), InterpolationTaps.linear(region.height(), outH),
          parallel);
      case BICUBIC -> SeparableResize.resize(src, region, dst,
          InterpolationTaps.cubic(region.width(), outW), InterpolationTaps.cubic(region.height(), outH),
          parallel);
      case AREA -> AreaResize.resize(src, region, dst, parallel);
      case LANCZOS -> PilLanczos.resize(src, region, dst, parallel);
    }
    return dst;
  }

  /**
   * PyTorch's 'nearest-exact' source index: {@code min(floor((o + 0.5) * scale), in - 1)} with the
   * scale in float and the product rounded to float before the floor, as the C++ kernel does.
   */
  static int[] nearestExactIndex(int in, int out) {
    float scale = InterpolationTaps.scale(in, out);
    int[] index = new int[out];
    for (int o = 0; o < out; o++) {
      index[o] = Math.min((int) Math.floor((float) ((o + 0.5) * scale)), in - 1);
    }
    return index;
  }

  private static void nearestExact(CpuTensor src, Region region, CpuTensor dst, Parallel parallel) {
    gather(src, region, dst, nearestExactIndex(region.height(), dst.height()),
        nearestExactIndex(region.width(), dst.width()), parallel);
  }

  /** dst(b, oy, ox) = src(b, region.y + ys[oy], region.x + xs[ox]), every channel. */
  static void gather(CpuTensor src, Region region, CpuTensor dst, int[] ys, int[] xs,
      Parallel parallel) {
    int c = src.channels();
    int srcW = src.width();
    int srcH = src.height();
    int outH = dst.height();
    int outW = dst.width();
    int[] xOff = new int[outW];
    for (int o = 0; o < outW; o++) {
      xOff[o] = (region.x() + xs[o]) * c;
    }
    float[] in = src.data();
    float[] out = dst.data();
    int rowLen = outW * c;
    parallel.forRange(src.batch() * outH, rowLen, (from, to) -> {
      for (int item = from; item < to; item++) {
        int b = item / outH;
        int rowOff = ((b * srcH) + region.y() + ys[item % outH]) * srcW * c;
        int d = item * rowLen;
        if (c == 3) {
          for (int o = 0; o < outW; o++, d += 3) {
            int p = rowOff + xOff[o];
            out[d] = in[p];
            out[d + 1] = in[p + 1];
            out[d + 2] = in[p + 2];
          }
        } else {
          for (int o = 0; o < outW; o++, d += c) {
            System.arraycopy(in, rowOff + xOff[o], out, d, c);
          }
        }
      }
    });
  }
}
