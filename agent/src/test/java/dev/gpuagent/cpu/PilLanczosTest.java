package dev.gpuagent.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gpuagent.ops.NodeHarness;
import org.junit.jupiter.api.Test;

/**
 * Lanczos against a floating-point Lanczos-3 written from Pillow's definition (window centred at
 * (o + 0.5) * scale, support 3 * max(scale, 1), weights normalised): the 8-bit pipeline may differ
 * from it only by its roundings. Bit-exactness against Pillow itself is checked by the golden test.
 */
class PilLanczosTest {
  private static final Parallel PARALLEL = NodeHarness.CPU.parallel();

  private static double sinc(double x) {
    return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
  }

  /** One axis of the reference filter applied to {@code line} (length in, stride 1). */
  private static double[] filter(double[] line, int out) {
    int in = line.length;
    double scale = (double) in / out;
    double fs = Math.max(scale, 1);
    double support = 3 * fs;
    double[] result = new double[out];
    for (int o = 0; o < out; o++) {
      double center = (o + 0.5) * scale;
      int lo = Math.max(0, (int) (center - support + 0.5));
      int hi = Math.min(in, (int) (center + support + 0.5));
      double sum = 0;
      double norm = 0;
      for (int x = lo; x < hi; x++) {
        double d = (x - center + 0.5) / fs;
        double w = Math.abs(d) < 3 ? sinc(d) * sinc(d / 3) : 0;
        sum += w * line[x];
        norm += w;
      }
      result[o] = Math.min(255, Math.max(0, sum / norm));
    }
    return result;
  }

  /** Reference in 8-bit units for channel {@code ch} of image {@code b}. */
  private static double[][] reference(CpuTensor src, int b, int ch, int outH, int outW) {
    int h = src.height();
    int w = src.width();
    double[][] rows = new double[h][];
    for (int y = 0; y < h; y++) {
      double[] line = new double[w];
      for (int x = 0; x < w; x++) {
        line[x] = (int) Math.min(255f, Math.max(0f, 255f * src.get(b, y, x, ch)));
      }
      rows[y] = outW == w ? line : filter(line, outW);
    }
    double[][] result = new double[outH][outW];
    for (int x = 0; x < outW; x++) {
      double[] column = new double[h];
      for (int y = 0; y < h; y++) {
        column[y] = rows[y][x];
      }
      double[] filtered = outH == h ? column : filter(column, outH);
      for (int y = 0; y < outH; y++) {
        result[y][x] = filtered[y];
      }
    }
    return result;
  }

  private static void check(CpuTensor src, int outH, int outW) {
    CpuTensor out = Resample.resize(src, outH, outW, ResampleMethod.LANCZOS, PARALLEL);
    assertEquals(outH, out.height());
    assertEquals(outW, out.width());
    for (int b = 0; b < src.batch(); b++) {
      for (int ch = 0; ch < src.channels(); ch++) {
        double[][] ref = reference(src, b, ch, outH, outW);
        for (int y = 0; y < outH; y++) {
          for (int x = 0; x < outW; x++) {
            float v = out.get(b, y, x, ch) * 255f;
            assertEquals(Math.round(v), v, 1e-3, "output is a whole 8-bit level");
            assertEquals(ref[y][x], v, 1.5, "b" + b + " c" + ch + " at " + y + "," + x);
          }
        }
      }
    }
  }

  @Test
  void downscaleIsAntialiasedLanczosWithinRounding() {
    check(NodeHarness.random(1, 2, 23, 17, 3), 7, 5);
    check(NodeHarness.random(2, 1, 40, 40, 3), 13, 9);
  }

  @Test
  void upscaleAndMixedRatiosAreLanczosWithinRounding() {
    check(NodeHarness.random(3, 1, 5, 6, 3), 12, 15);
    check(NodeHarness.random(4, 1, 9, 4, 3), 4, 11);
    check(NodeHarness.random(5, 1, 1, 1, 3), 3, 2);
    check(NodeHarness.random(6, 1, 6, 7, 3), 6, 3);
    check(NodeHarness.random(7, 1, 6, 7, 3), 2, 7);
  }

  @Test
  void windowsTallerThanTheRowCacheStillMatch() {
    // 40 rows of 20000 pixels to 2 rows: each output row reads ~40 source rows of 240 KB, more than
    // the worker's 4 MB row cache holds, so rows are evicted and refetched
    check(NodeHarness.random(9, 1, 40, 20000, 3), 2, 20000);
    check(NodeHarness.random(10, 1, 40, 20000, 3), 3, 19999);
  }

  @Test
  void opaqueRgbaResizesLikeRgbWithAnOpaqueAlpha() {
    CpuTensor rgb = NodeHarness.random(8, 1, 11, 9, 3);
    float[] rgbaData = new float[11 * 9 * 4];
    for (int p = 0; p < 11 * 9; p++) {
      System.arraycopy(rgb.data(), p * 3, rgbaData, p * 4, 3);
      rgbaData[p * 4 + 3] = 1f;
    }
    CpuTensor rgba = NodeHarness.tensor(1, 11, 9, 4, rgbaData);
    CpuTensor a = Resample.resize(rgb, 5, 14, ResampleMethod.LANCZOS, PARALLEL);
    CpuTensor b = Resample.resize(rgba, 5, 14, ResampleMethod.LANCZOS, PARALLEL);
    for (int p = 0; p < 5 * 14; p++) {
      for (int ch = 0; ch < 3; ch++) {
        assertEquals(a.data()[p * 3 + ch], b.data()[p * 4 + ch], 0, "pixel " + p);
      }
      assertEquals(1f, b.data()[p * 4 + 3]);
    }
  }

  @Test
  void sameSizeOnlyQuantisesByTruncation() {
    CpuTensor src = NodeHarness.tensor(1, 1, 2, 3, 0.999f, -0.2f, 1.5f, 0.5f, 0.1f, 0.00390625f);
    // 254.745 -> 254, clip 0, clip 255, 127.5 -> 127, 25.5 -> 25, 0.996 -> 0
    float[] expected = {254 / 255f, 0, 1, 127 / 255f, 25 / 255f, 0};
    assertArrayEquals(expected, Resample.resize(src, 1, 2, ResampleMethod.LANCZOS, PARALLEL).data());
  }
}
