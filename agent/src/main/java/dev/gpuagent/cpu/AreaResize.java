package dev.gpuagent.cpu;

/**
 * 'area' resizing = PyTorch's {@code adaptive_avg_pool2d}: output (oy, ox) is the mean of source rows
 * [floor(oy*inH/outH), ceil((oy+1)*inH/outH)) and the matching columns. Sums are taken in double
 * (PyTorch's accumulation type for float on the CPU) and rounded to float once. When every window
 * is a single pixel (integer upscales) the mean is that pixel, so the resize is a plain gather.
 */
final class AreaResize {
  private AreaResize() {}

  /** First source index of window {@code o}: floor(o * in / out), in exact integer arithmetic. */
  static int start(int o, int in, int out) {
    return (int) ((long) o * in / out);
  }

  /** One past the last source index of window {@code o}: ceil((o + 1) * in / out). */
  static int end(int o, int in, int out) {
    return (int) (((long) (o + 1) * in + out - 1) / out);
  }

  static void resize(CpuTensor src, Resample.Region region, CpuTensor dst, Parallel parallel) {
    int c = src.channels();
    int outH = dst.height();
    int outW = dst.width();
    int inW = region.width();
    int inH = region.height();
    int[] ys = new int[outH];
    int[] yn = new int[outH];
    int[] xs = new int[outW];
    int[] xn = new int[outW];
    boolean single = true;
    for (int o = 0; o < outH; o++) {
      ys[o] = start(o, inH, outH);
      yn[o] = end(o, inH, outH) - ys[o];
      single &= yn[o] == 1;
    }
    for (int o = 0; o < outW; o++) {
      xs[o] = start(o, inW, outW);
      xn[o] = end(o, inW, outW) - xs[o];
      single &= xn[o] == 1;
    }
    if (single) {
      Resample.gather(src, region, dst, ys, xs, parallel);
      return;
    }
    int srcW = src.width();
    int srcH = src.height();
    float[] in = src.data();
    float[] out = dst.data();
    int rowLen = outW * c;
    long work = (long) rowLen * ((inW + outW - 1) / outW) * ((inH + outH - 1) / outH);
    parallel.forRange(src.batch() * outH, work, (from, to) -> {
      double[] acc = new double[rowLen];
      for (int item = from; item < to; item++) {
        int b = item / outH;
        int oy = item % outH;
        java.util.Arrays.fill(acc, 0.0);
        for (int y = ys[oy]; y < ys[oy] + yn[oy]; y++) {
          int rowOff = ((b * srcH + region.y() + y) * srcW + region.x()) * c;
          addWindowSums(in, rowOff, xs, xn, c, acc);
        }
        int base = item * rowLen;
        for (int o = 0, d = 0; o < outW; o++) {
          double inv = 1.0 / ((double) yn[oy] * xn[o]);
          for (int ch = 0; ch < c; ch++, d++) {
            out[base + d] = (float) (acc[d] * inv);
          }
        }
      }
    });
  }

  /** acc[o*c + ch] += sum of the row's window o in channel ch. */
  private static void addWindowSums(float[] in, int rowOff, int[] xs, int[] xn, int c, double[] acc) {
    int outW = xs.length;
    if (c == 3) {
      for (int o = 0, d = 0; o < outW; o++, d += 3) {
        int p = rowOff + xs[o] * 3;
        int e = p + xn[o] * 3;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        for (; p < e; p += 3) {
          s0 += in[p];
          s1 += in[p + 1];
          s2 += in[p + 2];
        }
        acc[d] += s0;
        acc[d + 1] += s1;
        acc[d + 2] += s2;
      }
    } else {
      for (int o = 0, d = 0; o < outW; o++, d += c) {
        int p0 = rowOff + xs[o] * c;
        int e = p0 + xn[o] * c;
        for (int ch = 0; ch < c; ch++) {
          double s = 0;
          for (int p = p0 + ch; p < e; p += c) {
            s += in[p];
          }
          acc[d + ch] += s;
        }
      }
    }
  }
}
