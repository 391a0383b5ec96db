package dev.gpuagent.cpu;

import dev.gpuagent.engine.NodeException;

/**
 * ComfyUI's 'lanczos' resize: each image is quantised to 8 bits ({@code uint8(clip(255 x, 0, 255))},
 * truncating), resized by Pillow's {@code Image.resize(..., LANCZOS)} and divided by 255 again. This
 * reproduces Pillow's integer pipeline: Lanczos-3 weights widened by the downscale factor
 * (antialiased), normalised and turned into 22-bit fixed point, a horizontal pass into an 8-bit
 * image, then a vertical pass, each rounding and clipping to 0..255. RGBA images are resized with
 * premultiplied alpha (Pillow converts RGBA to RGBa and back around the resize).
 */
final class PilLanczos {
  /** Pillow's fixed-point precision for 8-bit resampling: 32 - 8 - 2. */
  private static final int PRECISION_BITS = 22;
  private static final double SUPPORT = 3.0;
  /** Most bytes of filtered rows one worker keeps for reuse by the next output rows. */
  private static final long ROW_CACHE_BYTES = 4L << 20;

  private PilLanczos() {}

  /**
   * Pillow's per-axis coefficients: output {@code o} reads {@code count[o]} source positions from
   * {@code start[o]} with fixed-point weights {@code k[o * ksize + i]}.
   */
  record Coeffs(int ksize, int[] start, int[] count, int[] k) {}

  static Coeffs coeffs(int inSize, int outSize) {
    double scale = (double) inSize / outSize;
    double filterscale = Math.max(scale, 1.0);
    double support = SUPPORT * filterscale;
    int ksize = (int) Math.ceil(support) * 2 + 1;
    int[] start = new int[outSize];
    int[] count = new int[outSize];
    int[] k = new int[outSize * ksize];
    double[] w = new double[ksize];
    double ss = 1.0 / filterscale;
    for (int o = 0; o < outSize; o++) {
      double center = (o + 0.5) * scale;
      int xmin = (int) (center - support + 0.5);
      if (xmin < 0) {
        xmin = 0;
      }
      int xmax = (int) (center + support + 0.5);
      if (xmax > inSize) {
        xmax = inSize;
      }
      xmax -= xmin;
      double ww = 0.0;
      for (int x = 0; x < xmax; x++) {
        w[x] = lanczos((x + xmin - center + 0.5) * ss);
        ww += w[x];
      }
      for (int x = 0; x < xmax; x++) {
        double v = ww != 0.0 ? w[x] / ww : w[x];
        k[o * ksize + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
      }
      start[o] = xmin;
      count[o] = xmax;
    }
    return new Coeffs(ksize, start, count, k);
  }

  private static double lanczos(double x) {
    return -SUPPORT <= x && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0.0;
  }

  private static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    double px = x * Math.PI;
    return Math.sin(px) / px;
  }

  /** Pillow's clip8: the fixed-point sum back to 0..255. */
  private static int clip8(int v) {
    int s = v >> PRECISION_BITS;
    return s < 0 ? 0 : Math.min(s, 255);
  }

  /** ComfyUI's float-to-uint8: clip(255 x, 0, 255) then truncate. */
  private static int quantise(float x) {
    float p = 255f * x;
    return (int) (p < 0f ? 0f : Math.min(p, 255f));
  }

  /** Pillow's MULDIV255 premultiplication (RGBA to RGBa). */
  private static int premultiply(int v, int alpha) {
    int t = v * alpha + 128;
    return ((t >> 8) + t) >> 8;
  }

  /** Resizes {@code region} of {@code src} into {@code dst} (same batch and channels). */
  static void resize(CpuTensor src, Resample.Region region, CpuTensor dst, Parallel parallel) {
    int c = src.channels();
    if (c != 3 && c != 4) {
      throw new NodeException("lanczos resizing needs an RGB or RGBA image, got " + c + " channels");
    }
    int inW = region.width();
    int inH = region.height();
    int outW = dst.width();
    int outH = dst.height();
    boolean needH = outW != inW;
    boolean needV = outH != inH;
    boolean alpha = c == 4 && (needH || needV);
    Coeffs hc = needH ? coeffs(inW, outW) : null;
    Coeffs vc = needV ? coeffs(inH, outH) : null;
    int midLen = outW * c;
    // Rows are consumed as soon as they are fetched, so the cache only saves recomputing rows that
    // neighbouring output rows share; bound it so extreme reductions cannot ask for gigabytes.
    int rowInts = needH ? midLen : inW * c;
    int ring = needV
        ? (int) Math.max(1, Math.min(Math.min(vc.ksize(), inH), ROW_CACHE_BYTES / (4L * rowInts)))
        : 1;
    float[] in = src.data();
    float[] out = dst.data();
    int srcW = src.width();
    int srcH = src.height();
    long work = (long) midLen * ((needH ? hc.ksize() : 1) + (needV ? vc.ksize() : 1));
    parallel.forRange(src.batch() * outH, work, (from, to) -> {
      int[] quantised = new int[inW * c];
      int[][] rows = new int[ring][rowInts];
      long[] held = new long[ring];
      java.util.Arrays.fill(held, -1);
      int[] acc = new int[midLen];
      for (int item = from; item < to; item++) {
        int b = item / outH;
        int oy = item % outH;
        int[] line;
        if (needV) {
          int y0 = vc.start()[oy];
          int n = vc.count()[oy];
          for (int i = 0; i < midLen; i++) {
            acc[i] = 1 << (PRECISION_BITS - 1);
          }
          for (int i = 0; i < n; i++) {
            int[] row = sourceRow(in, b, srcH, srcW, region, y0 + i, c, alpha, hc, quantised, rows,
                held);
            int kv = vc.k()[oy * vc.ksize() + i];
            for (int j = 0; j < midLen; j++) {
              acc[j] += row[j] * kv;
            }
          }
          for (int j = 0; j < midLen; j++) {
            acc[j] = clip8(acc[j]);
          }
          line = acc;
        } else {
          line = sourceRow(in, b, srcH, srcW, region, oy, c, alpha, hc, quantised, rows, held);
        }
        writeRow(line, alpha, c, outW, out, item * midLen);
      }
    });
  }

  /**
   * Row {@code y} of the region as the vertical pass reads it: quantised (premultiplied for RGBA)
   * and, when the width changes, horizontally resampled; cached in a ring keyed by row.
   */
  private static int[] sourceRow(float[] in, int b, int srcH, int srcW, Resample.Region region, int y,
      int c, boolean alpha, Coeffs hc, int[] quantised, int[][] rows, long[] held) {
    long key = (long) b * srcH + region.y() + y;
    int slot = (int) (key % rows.length);
    int[] row = rows[slot];
    if (held[slot] == key) {
      return row;
    }
    held[slot] = key;
    int inW = region.width();
    int[] q = hc == null ? row : quantised;
    int p = ((int) key * srcW + region.x()) * c;
    for (int i = 0; i < inW * c; i++) {
      q[i] = quantise(in[p + i]);
    }
    if (alpha) {
      for (int i = 0; i < inW * c; i += 4) {
        int a = q[i + 3];
        q[i] = premultiply(q[i], a);
        q[i + 1] = premultiply(q[i + 1], a);
        q[i + 2] = premultiply(q[i + 2], a);
      }
    }
    if (hc != null) {
      horizontal(q, hc, c, row);
    }
    return row;
  }

  /** Pillow's horizontal pass over one 8-bit row (3 or 4 interleaved channels). */
  private static void horizontal(int[] q, Coeffs hc, int c, int[] row) {
    int ksize = hc.ksize();
    int outW = hc.start().length;
    int[] k = hc.k();
    int half = 1 << (PRECISION_BITS - 1);
    for (int o = 0, d = 0; o < outW; o++, d += c) {
      int s = hc.start()[o] * c;
      int kOff = o * ksize;
      int kEnd = kOff + hc.count()[o];
      int s0 = half;
      int s1 = half;
      int s2 = half;
      if (c == 3) {
        for (int i = kOff; i < kEnd; i++, s += 3) {
          int w = k[i];
          s0 += q[s] * w;
          s1 += q[s + 1] * w;
          s2 += q[s + 2] * w;
        }
      } else {
        int s3 = half;
        for (int i = kOff; i < kEnd; i++, s += 4) {
          int w = k[i];
          s0 += q[s] * w;
          s1 += q[s + 1] * w;
          s2 += q[s + 2] * w;
          s3 += q[s + 3] * w;
        }
        row[d + 3] = clip8(s3);
      }
      row[d] = clip8(s0);
      row[d + 1] = clip8(s1);
      row[d + 2] = clip8(s2);
    }
  }

  /** Un-premultiplies RGBa (Pillow's rgba2rgbA) and converts to float / 255. */
  private static void writeRow(int[] line, boolean alpha, int c, int outW, float[] out, int off) {
    if (alpha) {
      for (int i = 0; i < outW * 4; i += 4) {
        int a = line[i + 3];
        for (int ch = 0; ch < 3; ch++) {
          int v = line[i + ch];
          if (a != 255 && a != 0) {
            v = Math.min(255, 255 * v / a);
          }
          out[off + i + ch] = v / 255f;
        }
        out[off + i + 3] = a / 255f;
      }
    } else {
      for (int i = 0; i < outW * c; i++) {
        out[off + i] = line[i] / 255f;
      }
    }
  }
}
