package dev.gpuagent.cpu;

/**
 * Bilinear and bicubic resizing as two one-dimensional passes over interleaved {@code [B,H,W,C]}
 * data: out = sum_t wy[t] * sum_k wx[k] * x[row_t, col_k], each sum accumulated in tap order in
 * float, as PyTorch's CPU kernels do.
 *
 * <p>When the height grows or stays, the horizontal pass runs first (PyTorch's own order) into a
 * ring of as many rows as there are vertical taps, so each source row is filtered once. When the
 * height shrinks, the vertical pass runs first over the source columns and the horizontal pass only
 * over output rows: half the gather work for a 2x reduction, at the price of rounding that may
 * differ from PyTorch's by a unit in the last place.
 */
final class SeparableResize {
  private SeparableResize() {}

  static void resize(CpuTensor src, Resample.Region region, CpuTensor dst, InterpolationTaps xt,
      InterpolationTaps yt, Parallel parallel) {
    if (dst.height() < region.height()) {
      verticalFirst(src, region, dst, xt, yt, parallel);
    } else {
      horizontalFirst(src, region, dst, xt, yt, parallel);
    }
  }

  /** Element offsets (within a row) of each horizontal tap: (region.x + index) * channels. */
  private static int[] tapOffsets(InterpolationTaps xt, int regionX, int c) {
    int[] xOff = new int[xt.index().length];
    for (int i = 0; i < xOff.length; i++) {
      xOff[i] = (regionX + xt.index()[i]) * c;
    }
    return xOff;
  }

  private static void horizontalFirst(CpuTensor src, Resample.Region region, CpuTensor dst,
      InterpolationTaps xt, InterpolationTaps yt, Parallel parallel) {
    int c = src.channels();
    int srcW = src.width();
    int srcH = src.height();
    int outH = dst.height();
    int outW = dst.width();
    int rowLen = outW * c;
    int ky = yt.taps();
    int[] xOff = tapOffsets(xt, region.x(), c);
    float[] in = src.data();
    float[] out = dst.data();
    parallel.forRange(src.batch() * outH, (long) rowLen * (xt.taps() + ky), (from, to) -> {
      float[][] ring = new float[ky][rowLen];
      long[] held = new long[ky];
      java.util.Arrays.fill(held, -1);
      float[][] rows = new float[ky][];
      int[] zeros = new int[ky];
      for (int item = from; item < to; item++) {
        int b = item / outH;
        int oy = item % outH;
        for (int t = 0; t < ky; t++) {
          long key = (long) b * srcH + region.y() + yt.index()[oy * ky + t];
          int slot = (int) (key % ky);
          if (held[slot] != key) {
            horizontal(in, (int) key * srcW * c, xOff, xt.weight(), xt.taps(), outW, c, ring[slot], 0);
            held[slot] = key;
          }
          rows[t] = ring[slot];
        }
        vertical(rows, zeros, yt.weight(), oy * ky, ky, out, item * rowLen, rowLen);
      }
    });
  }

  private static void verticalFirst(CpuTensor src, Resample.Region region, CpuTensor dst,
      InterpolationTaps xt, InterpolationTaps yt, Parallel parallel) {
    int c = src.channels();
    int srcW = src.width();
    int srcH = src.height();
    int outH = dst.height();
    int outW = dst.width();
    int rowLen = outW * c;
    int colLen = region.width() * c;
    int ky = yt.taps();
    // the horizontal pass reads the vertically filtered row, which starts at the region's left edge
    int[] xOff = tapOffsets(xt, 0, c);
    float[] in = src.data();
    float[] out = dst.data();
    parallel.forRange(src.batch() * outH, (long) colLen * ky + (long) rowLen * xt.taps(), (from, to) -> {
      float[] column = new float[colLen];
      float[][] rows = new float[ky][];
      int[] offs = new int[ky];
      for (int item = from; item < to; item++) {
        int b = item / outH;
        int oy = item % outH;
        for (int t = 0; t < ky; t++) {
          rows[t] = in;
          offs[t] = ((b * srcH + region.y() + yt.index()[oy * ky + t]) * srcW + region.x()) * c;
        }
        vertical(rows, offs, yt.weight(), oy * ky, ky, column, 0, colLen);
        horizontal(column, 0, xOff, xt.weight(), xt.taps(), outW, c, out, item * rowLen);
      }
    });
  }

  /**
   * One row through the horizontal taps: {@code dst[d0 + o*c + ch] = sum_k w[o*k + k'] *
   * in[rowOff + xOff[o*k + k'] + ch]}.
   */
  private static void horizontal(float[] in, int rowOff, int[] xOff, float[] xw, int k, int outW,
      int c, float[] dst, int d0) {
    if (c == 3 && k == 2) {
      for (int o = 0, t = 0, d = d0; o < outW; o++, t += 2, d += 3) {
        int p = rowOff + xOff[t];
        int q = rowOff + xOff[t + 1];
        float w0 = xw[t];
        float w1 = xw[t + 1];
        dst[d] = in[p] * w0 + in[q] * w1;
        dst[d + 1] = in[p + 1] * w0 + in[q + 1] * w1;
        dst[d + 2] = in[p + 2] * w0 + in[q + 2] * w1;
      }
    } else if (c == 3 && k == 4) {
      for (int o = 0, t = 0, d = d0; o < outW; o++, t += 4, d += 3) {
        int p0 = rowOff + xOff[t];
        int p1 = rowOff + xOff[t + 1];
        int p2 = rowOff + xOff[t + 2];
        int p3 = rowOff + xOff[t + 3];
        float w0 = xw[t];
        float w1 = xw[t + 1];
        float w2 = xw[t + 2];
        float w3 = xw[t + 3];
        dst[d] = in[p0] * w0 + in[p1] * w1 + in[p2] * w2 + in[p3] * w3;
        dst[d + 1] = in[p0 + 1] * w0 + in[p1 + 1] * w1 + in[p2 + 1] * w2 + in[p3 + 1] * w3;
        dst[d + 2] = in[p0 + 2] * w0 + in[p1 + 2] * w1 + in[p2 + 2] * w2 + in[p3 + 2] * w3;
      }
    } else if (c == 4 && k == 2) {
      for (int o = 0, t = 0, d = d0; o < outW; o++, t += 2, d += 4) {
        int p = rowOff + xOff[t];
        int q = rowOff + xOff[t + 1];
        float w0 = xw[t];
        float w1 = xw[t + 1];
        for (int ch = 0; ch < 4; ch++) {
          dst[d + ch] = in[p + ch] * w0 + in[q + ch] * w1;
        }
      }
    } else if (c == 4 && k == 4) {
      for (int o = 0, t = 0, d = d0; o < outW; o++, t += 4, d += 4) {
        int p0 = rowOff + xOff[t];
        int p1 = rowOff + xOff[t + 1];
        int p2 = rowOff + xOff[t + 2];
        int p3 = rowOff + xOff[t + 3];
        float w0 = xw[t];
        float w1 = xw[t + 1];
        float w2 = xw[t + 2];
        float w3 = xw[t + 3];
        for (int ch = 0; ch < 4; ch++) {
          dst[d + ch] = in[p0 + ch] * w0 + in[p1 + ch] * w1 + in[p2 + ch] * w2 + in[p3 + ch] * w3;
        }
      }
    } else {
      for (int o = 0, t = 0, d = d0; o < outW; o++, t += k, d += c) {
        for (int ch = 0; ch < c; ch++) {
          float a = in[rowOff + xOff[t] + ch] * xw[t];
          for (int j = 1; j < k; j++) {
            a += in[rowOff + xOff[t + j] + ch] * xw[t + j];
          }
          dst[d + ch] = a;
        }
      }
    }
  }

  /** out[o + j] = sum_t w[t] * rows[t][offs[t] + j] for j in [0, n), accumulated in tap order. */
  private static void vertical(float[][] rows, int[] offs, float[] yw, int wOff, int k, float[] out,
      int o, int n) {
    if (k == 2) {
      float[] r0 = rows[0];
      float[] r1 = rows[1];
      int a = offs[0];
      int b = offs[1];
      float w0 = yw[wOff];
      float w1 = yw[wOff + 1];
      for (int j = 0; j < n; j++) {
        out[o + j] = r0[a + j] * w0 + r1[b + j] * w1;
      }
    } else if (k == 4) {
      float[] r0 = rows[0];
      float[] r1 = rows[1];
      float[] r2 = rows[2];
      float[] r3 = rows[3];
      int a = offs[0];
      int b = offs[1];
      int e = offs[2];
      int f = offs[3];
      float w0 = yw[wOff];
      float w1 = yw[wOff + 1];
      float w2 = yw[wOff + 2];
      float w3 = yw[wOff + 3];
      for (int j = 0; j < n; j++) {
        out[o + j] = r0[a + j] * w0 + r1[b + j] * w1 + r2[e + j] * w2 + r3[f + j] * w3;
      }
    } else {
      float w0 = yw[wOff];
      float[] r0 = rows[0];
      int a = offs[0];
      for (int j = 0; j < n; j++) {
        out[o + j] = r0[a + j] * w0;
      }
      for (int t = 1; t < k; t++) {
        float w = yw[wOff + t];
        float[] r = rows[t];
        int b = offs[t];
        for (int j = 0; j < n; j++) {
          out[o + j] += r[b + j] * w;
        }
      }
    }
  }
}
