package dev.gpuagent.cpu;

import static dev.gpuagent.ops.NodeHarness.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.ops.NodeHarness;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Resample against naive per-pixel loops written from PyTorch's documented formulas (in double), on
 * down- and upscales, non-integer ratios, 1x1 sources and targets, odd sizes, batches, RGBA, masks
 * and source regions.
 */
class ResampleTest {
  private static final Parallel PARALLEL = NodeHarness.CPU.parallel();
  private static final List<ResampleMethod> TORCH_METHODS = List.of(ResampleMethod.NEAREST_EXACT,
      ResampleMethod.BILINEAR, ResampleMethod.AREA, ResampleMethod.BICUBIC);

  /** One axis of a naive filter: source indices and weights for output {@code o}. */
  private record Axis(int[] index, double[] weight) {}

  private static Axis axis(ResampleMethod method, int in, int out, int o) {
    switch (method) {
      case NEAREST_EXACT -> {
        float scale = (float) in / out;
        int i = Math.min((int) Math.floor((float) ((o + 0.5) * scale)), in - 1);
        return new Axis(new int[] {i}, new double[] {1});
      }
      case BILINEAR -> {
        if (in == out) {
          return new Axis(new int[] {o}, new double[] {1});
        }
        double real = Math.max(0, (o + 0.5) * in / out - 0.5);
        int i0 = Math.min((int) Math.floor(real), in - 1);
        double l = real - i0;
        return new Axis(new int[] {i0, Math.min(i0 + 1, in - 1)}, new double[] {1 - l, l});
      }
      case BICUBIC -> {
        double real = (o + 0.5) * in / out - 0.5;
        int i = (int) Math.floor(real);
        double t = real - i;
        int[] idx = new int[4];
        double[] w = new double[4];
        for (int k = 0; k < 4; k++) {
          idx[k] = Math.max(0, Math.min(i - 1 + k, in - 1));
          w[k] = keys(Math.abs(t - (k - 1)));
        }
        return new Axis(idx, w);
      }
      case AREA -> {
        int start = (int) Math.floor((double) o * in / out);
        int end = (int) Math.ceil((double) (o + 1) * in / out);
        int[] idx = new int[end - start];
        double[] w = new double[end - start];
        for (int k = 0; k < idx.length; k++) {
          idx[k] = start + k;
          w[k] = 1.0 / idx.length;
        }
        return new Axis(idx, w);
      }
      default -> throw new IllegalArgumentException(method.toString());
    }
  }

  /** Keys' cubic convolution kernel with a = -0.75. */
  private static double keys(double d) {
    double a = -0.75;
    if (d <= 1) {
      return (a + 2) * d * d * d - (a + 3) * d * d + 1;
    }
    if (d < 2) {
      return a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a;
    }
    return 0;
  }

  private static CpuTensor naive(CpuTensor src, Resample.Region r, int outH, int outW,
      ResampleMethod method) {
    int c = src.channels();
    float[] out = new float[src.batch() * outH * outW * c];
    int i = 0;
    for (int b = 0; b < src.batch(); b++) {
      for (int oy = 0; oy < outH; oy++) {
        Axis ay = axis(method, r.height(), outH, oy);
        for (int ox = 0; ox < outW; ox++) {
          Axis ax = axis(method, r.width(), outW, ox);
          for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int ky = 0; ky < ay.index().length; ky++) {
              for (int kx = 0; kx < ax.index().length; kx++) {
                sum += ay.weight()[ky] * ax.weight()[kx]
                    * src.get(b, r.y() + ay.index()[ky], r.x() + ax.index()[kx], ch);
              }
            }
            out[i++] = (float) sum;
          }
        }
      }
    }
    return new CpuTensor(new Shape(src.batch(), outH, outW, c), out);
  }

  private static void checkAllMethods(CpuTensor src, Resample.Region region, int outH, int outW) {
    for (ResampleMethod method : TORCH_METHODS) {
      CpuTensor expected = naive(src, region, outH, outW, method);
      CpuTensor actual = Resample.resize(src, region, outH, outW, method, PARALLEL);
      assertEquals(expected.shape(), actual.shape(), method + " shape");
      try {
        assertClose(expected, actual, method == ResampleMethod.NEAREST_EXACT ? 0 : 1e-5);
      } catch (AssertionError e) {
        throw new AssertionError(method + " " + src.shape() + " " + region + " -> " + outH + "x"
            + outW + ": " + e.getMessage(), e);
      }
    }
  }

  private static void checkAllMethods(CpuTensor src, int outH, int outW) {
    checkAllMethods(src, Resample.Region.whole(src.shape()), outH, outW);
  }

  @Test
  void oddSizesUpAndDownWithNonIntegerRatiosMatchNaiveLoops() {
    CpuTensor src = NodeHarness.random(1, 2, 7, 9, 3);
    checkAllMethods(src, 12, 5);
    checkAllMethods(src, 3, 4);
    checkAllMethods(src, 14, 18);
    checkAllMethods(src, 5, 13);
    checkAllMethods(src, 7, 9);
  }

  @Test
  void integerRatiosMatchNaiveLoops() {
    CpuTensor src = NodeHarness.random(2, 1, 16, 12, 3);
    checkAllMethods(src, 32, 24);
    checkAllMethods(src, 8, 6);
    checkAllMethods(src, 48, 4);
  }

  @Test
  void oneByOneSourceAndTargetMatchNaiveLoops() {
    checkAllMethods(NodeHarness.random(3, 2, 1, 1, 3), 3, 2);
    checkAllMethods(NodeHarness.random(4, 1, 1, 1, 3), 1, 1);
    checkAllMethods(NodeHarness.random(5, 1, 6, 5, 3), 1, 1);
    checkAllMethods(NodeHarness.random(6, 1, 1, 7, 3), 4, 1);
  }

  @Test
  void rgbaMasksAndOtherChannelCountsMatchNaiveLoops() {
    checkAllMethods(NodeHarness.random(7, 1, 5, 6, 4), 10, 3);
    checkAllMethods(NodeHarness.random(14, 2, 9, 7, 4), 4, 11);
    checkAllMethods(NodeHarness.random(8, 3, 8, 8, 1), 3, 5);
    checkAllMethods(NodeHarness.random(9, 1, 13, 11, 2), 6, 17);
  }

  @Test
  void largeImagesTakeTheParallelPathAndStillMatch() {
    CpuTensor src = NodeHarness.random(10, 2, 61, 83, 3);
    checkAllMethods(src, 130, 41);
    checkAllMethods(src, 30, 166);
  }

  @Test
  void regionOfTheSourceIsResizedAlone() {
    CpuTensor src = NodeHarness.random(11, 2, 9, 12, 3);
    checkAllMethods(src, new Resample.Region(1, 2, 7, 8), 5, 4);
    checkAllMethods(src, new Resample.Region(0, 3, 9, 1), 3, 3);
  }

  @Test
  void constantImageStaysConstantForEveryMethod() {
    CpuTensor src = NodeHarness.filled(1, 9, 7, 3, 0.6f);
    for (ResampleMethod method : ResampleMethod.values()) {
      CpuTensor out = Resample.resize(src, 20, 3, method, PARALLEL);
      // lanczos works on 8-bit levels: 0.6 * 255 = 153 exactly
      float expected = method == ResampleMethod.LANCZOS ? 153 / 255f : 0.6f;
      for (float v : out.data()) {
        assertEquals(expected, v, 1e-6, method.toString());
      }
    }
  }

  @Test
  void nearestExactPicksTheHandComputedSourcePixels() {
    // 1x5 row 0..4 resized to 1x3: scale 5/3, sources floor(0.5*1.667)=0, floor(1.5*1.667)=2, floor(2.5*1.667)=4
    CpuTensor src = NodeHarness.tensor(1, 1, 5, 1, 0, 1, 2, 3, 4);
    assertArrayEquals(new float[] {0, 2, 4},
        Resample.resize(src, 1, 3, ResampleMethod.NEAREST_EXACT, PARALLEL).data());
  }

  @Test
  void bilinearDoublingOfTwoPixelsGivesQuarterSteps() {
    // 1x2 [0, 1] to 1x4: source x = 0, 0.25, 0.75, 1.25 clamped to the last pixel -> 0, .25, .75, 1
    CpuTensor src = NodeHarness.tensor(1, 1, 2, 1, 0, 1);
    assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1},
        Resample.resize(src, 1, 4, ResampleMethod.BILINEAR, PARALLEL).data());
  }

  @Test
  void areaHalvingAveragesTwoByTwoBlocks() {
    CpuTensor src = NodeHarness.tensor(1, 2, 4, 1, 1, 2, 3, 4, 5, 6, 7, 8);
    assertArrayEquals(new float[] {3.5f, 5.5f},
        Resample.resize(src, 1, 2, ResampleMethod.AREA, PARALLEL).data());
  }

  @Test
  void centerCropCutsEqualMarginsWithPythonRounding() {
    assertEquals(new Resample.Region(0, 3, 7, 3), Resample.centerCrop(9, 7, 5, 12));
    assertEquals(new Resample.Region(1, 0, 4, 4), Resample.centerCrop(4, 6, 4, 4));
    // margin (2 - 2 * 0.5) / 2 = 0.5 rounds to even: nothing is cut
    assertEquals(new Resample.Region(0, 0, 1, 2), Resample.centerCrop(2, 1, 1, 1));
    // margin (6 - 6 * 0.5) / 2 = 1.5 rounds to 2
    assertEquals(new Resample.Region(0, 2, 1, 2), Resample.centerCrop(6, 1, 3, 1));
    assertEquals(new Resample.Region(0, 0, 7, 9), Resample.centerCrop(9, 7, 18, 14));
  }

  @Test
  void lanczosRefusesImagesThatAreNeitherRgbNorRgba() {
    CpuTensor src = NodeHarness.random(12, 1, 4, 4, 1);
    assertThrows(NodeException.class,
        () -> Resample.resize(src, 8, 8, ResampleMethod.LANCZOS, PARALLEL));
  }

  @Test
  void inputIsNotModified() {
    CpuTensor src = NodeHarness.random(13, 1, 6, 6, 3);
    float[] before = src.data().clone();
    for (ResampleMethod method : ResampleMethod.values()) {
      Resample.resize(src, 9, 4, method, PARALLEL);
    }
    assertArrayEquals(before, src.data());
  }
}
