package dev.gpuagent.cpu;

import dev.gpuagent.engine.Shape;

/**
 * Image resizing as {@code torch.nn.functional.interpolate(x, size=(h, w), mode=...)} computes it on
 * the CPU in float32 (align_corners=False, no antialiasing), plus Pillow's Lanczos for
 * {@link ResampleMethod#LANCZOS}. Works on interleaved {@code [B,H,W,C]} tensors of any channel count
 * (masks included) and on a rectangular region of the source, which is how ComfyUI's centre crop
 * feeds the resize.
 *
 * <p>Bilinear and bicubic run as two separable passes, horizontal then vertical, in PyTorch's order
 * of operations; each worker keeps only the few horizontally resampled rows its next output row
 * needs, so no full-size intermediate image is made.
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
      case BILINEAR -> separable(src, region, dst, InterpolationTaps.linear(region.width(), outW),
          InterpolationTaps.linear(region.height(), outH), parallel);
      case BICUBIC -> separable(src, region, dst, InterpolationTaps.cubic(region.width(), outW),
          InterpolationTaps.cubic(region.height(), outH), parallel);
      case AREA -> area(src, region, dst, parallel);
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
    int c = src.channels();
    int srcW = src.width();
    int srcH = src.height();
    int outH = dst.height();
    int outW = dst.width();
    int[] ys = nearestExactIndex(region.height(), outH);
    int[] xs = nearestExactIndex(region.width(), outW);
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

  /**
   * Horizontal taps into a small ring of rows, then vertical taps from the ring: out =
   * sum_t wy[t] * (sum_k wx[k] * x[row_t, col_k]), each sum accumulated in tap order in float.
   */
  private static void separable(CpuTensor src, Region region, CpuTensor dst, InterpolationTaps xt,
      InterpolationTaps yt, Parallel parallel) {
    int c = src.channels();
    int srcW = src.width();
    int srcH = src.height();
    int outH = dst.height();
    int outW = dst.width();
    int rowLen = outW * c;
    int ky = yt.taps();
    int[] xOff = new int[xt.index().length];
    for (int i = 0; i < xOff.length; i++) {
      xOff[i] = (region.x() + xt.index()[i]) * c;
    }
    float[] in = src.data();
    float[] out = dst.data();
    parallel.forRange(src.batch() * outH, (long) rowLen * (xt.taps() + ky), (from, to) -> {
      float[][] ring = new float[ky][rowLen];
      long[] held = new long[ky];
      java.util.Arrays.fill(held, -1);
      float[][] rows = new float[ky][];
      for (int item = from; item < to; item++) {
        int b = item / outH;
        int oy = item % outH;
        for (int t = 0; t < ky; t++) {
          int sy = region.y() + yt.index()[oy * ky + t];
          long key = (long) b * srcH + sy;
          int slot = (int) (key % ky);
          if (held[slot] != key) {
            horizontal(in, (int) key * srcW * c, xOff, xt.weight(), xt.taps(), outW, c, ring[slot]);
            held[slot] = key;
          }
          rows[t] = ring[slot];
        }
        vertical(rows, yt.weight(), oy * ky, ky, out, item * rowLen, rowLen);
      }
    });
  }

  /** One source row through the horizontal taps into {@code dst} (outW * c values). */
  private static void horizontal(float[] in, int rowOff, int[] xOff, float[] xw, int k, int outW,
      int c, float[] dst) {
    int t = 0;
    if (c == 3) {
      for (int o = 0, d = 0; o < outW; o++, d += 3) {
        int p = rowOff + xOff[t];
        float w = xw[t++];
        float a0 = in[p] * w;
        float a1 = in[p + 1] * w;
        float a2 = in[p + 2] * w;
        for (int j = 1; j < k; j++) {
          p = rowOff + xOff[t];
          w = xw[t++];
          a0 += in[p] * w;
          a1 += in[p + 1] * w;
          a2 += in[p + 2] * w;
        }
        dst[d] = a0;
        dst[d + 1] = a1;
        dst[d + 2] = a2;
      }
    } else if (c == 4) {
      for (int o = 0, d = 0; o < outW; o++, d += 4) {
        int p = rowOff + xOff[t];
        float w = xw[t++];
        float a0 = in[p] * w;
        float a1 = in[p + 1] * w;
        float a2 = in[p + 2] * w;
        float a3 = in[p + 3] * w;
        for (int j = 1; j < k; j++) {
          p = rowOff + xOff[t];
          w = xw[t++];
          a0 += in[p] * w;
          a1 += in[p + 1] * w;
          a2 += in[p + 2] * w;
          a3 += in[p + 3] * w;
        }
        dst[d] = a0;
        dst[d + 1] = a1;
        dst[d + 2] = a2;
        dst[d + 3] = a3;
      }
    } else {
      for (int o = 0, d = 0; o < outW; o++, d += c) {
        int base = t;
        for (int ch = 0; ch < c; ch++) {
          float a = in[rowOff + xOff[base] + ch] * xw[base];
          for (int j = 1; j < k; j++) {
            a += in[rowOff + xOff[base + j] + ch] * xw[base + j];
          }
          dst[d + ch] = a;
        }
        t += k;
      }
    }
  }

  /** out[o..o+n) = sum_t w[t] * rows[t][..], accumulated in tap order. */
  private static void vertical(float[][] rows, float[] yw, int wOff, int k, float[] out, int o, int n) {
    if (k == 2) {
      float[] r0 = rows[0];
      float[] r1 = rows[1];
      float w0 = yw[wOff];
      float w1 = yw[wOff + 1];
      for (int j = 0; j < n; j++) {
        out[o + j] = r0[j] * w0 + r1[j] * w1;
      }
    } else if (k == 4) {
      float[] r0 = rows[0];
      float[] r1 = rows[1];
      float[] r2 = rows[2];
      float[] r3 = rows[3];
      float w0 = yw[wOff];
      float w1 = yw[wOff + 1];
      float w2 = yw[wOff + 2];
      float w3 = yw[wOff + 3];
      for (int j = 0; j < n; j++) {
        out[o + j] = r0[j] * w0 + r1[j] * w1 + r2[j] * w2 + r3[j] * w3;
      }
    } else {
      float w0 = yw[wOff];
      float[] r0 = rows[0];
      for (int j = 0; j < n; j++) {
        out[o + j] = r0[j] * w0;
      }
      for (int t = 1; t < k; t++) {
        float w = yw[wOff + t];
        float[] r = rows[t];
        for (int j = 0; j < n; j++) {
          out[o + j] += r[j] * w;
        }
      }
    }
  }

  /** First source index of adaptive average pooling window {@code o}: floor(o * in / out). */
  static int areaStart(int o, int in, int out) {
    return (int) ((long) o * in / out);
  }

  /** One past the last source index of window {@code o}: ceil((o + 1) * in / out). */
  static int areaEnd(int o, int in, int out) {
    return (int) (((long) (o + 1) * in + out - 1) / out);
  }

  /**
   * 'area' = adaptive_avg_pool2d: each output is the mean of its window, summed in double (PyTorch's
   * accumulation type for float on the CPU) and divided by the window height, then its width.
   */
  private static void area(CpuTensor src, Region region, CpuTensor dst, Parallel parallel) {
    int c = src.channels();
    int srcW = src.width();
    int srcH = src.height();
    int outH = dst.height();
    int outW = dst.width();
    int inW = region.width();
    int inH = region.height();
    int[] xs = new int[outW];
    int[] xe = new int[outW];
    for (int o = 0; o < outW; o++) {
      xs[o] = (region.x() + areaStart(o, inW, outW)) * c;
      xe[o] = (region.x() + areaEnd(o, inW, outW)) * c;
    }
    float[] in = src.data();
    float[] out = dst.data();
    int rowLen = outW * c;
    long work = (long) rowLen * Math.max(1, (inW / outW + 1) * (inH / outH + 1));
    parallel.forRange(src.batch() * outH, work, (from, to) -> {
      double[] acc = new double[rowLen];
      for (int item = from; item < to; item++) {
        int b = item / outH;
        int oy = item % outH;
        int y0 = areaStart(oy, inH, outH);
        int y1 = areaEnd(oy, inH, outH);
        java.util.Arrays.fill(acc, 0.0);
        for (int y = y0; y < y1; y++) {
          int rowOff = ((b * srcH) + region.y() + y) * srcW * c;
          for (int o = 0, d = 0; o < outW; o++, d += c) {
            for (int ch = 0; ch < c; ch++) {
              double s = 0;
              for (int p = rowOff + xs[o] + ch; p < rowOff + xe[o]; p += c) {
                s += in[p];
              }
              acc[d + ch] += s;
            }
          }
        }
        int kh = y1 - y0;
        int base = item * rowLen;
        for (int o = 0, d = 0; o < outW; o++) {
          int kw = (xe[o] - xs[o]) / c;
          for (int ch = 0; ch < c; ch++, d++) {
            out[base + d] = (float) (acc[d] / kh / kw);
          }
        }
      }
    });
  }
}
