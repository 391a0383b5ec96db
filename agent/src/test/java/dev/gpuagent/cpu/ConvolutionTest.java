package dev.gpuagent.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConvolutionTest {
  @Test
  void reflectMatchesPyTorchWherePyTorchIsDefined() {
    // F.pad([a b c d e], (2, 2), 'reflect') = [c b a b c d e d c]
    int[] expected = {2, 1, 0, 1, 2, 3, 4, 3, 2};
    for (int p = 0; p < expected.length; p++) {
      assertEquals(expected[p], Convolution.reflect(p - 2, 5), "padded position " + p);
    }
  }

  @Test
  void reflectKeepsFoldingBeyondTheImage() {
    // n = 3 mirrors with period 4: ... 2 1 0 1 2 1 0 1 2 ...
    int[] expected = {0, 1, 2, 1, 0, 1, 2, 1, 0};
    for (int i = -4; i <= 4; i++) {
      assertEquals(expected[(i + 4) % expected.length], Convolution.reflect(i + 8, 3), "i=" + (i + 8));
      assertEquals(expected[i + 4], Convolution.reflect(i, 3), "i=" + i);
    }
    assertEquals(1, Convolution.reflect(-1, 2));
    assertEquals(0, Convolution.reflect(-2, 2));
    assertEquals(1, Convolution.reflect(3, 2));
    assertEquals(0, Convolution.reflect(-7, 1));
    assertEquals(0, Convolution.reflect(9, 1));
  }

  @Test
  void gaussianWeightsAreTheSeparableFactorOfComfyUisKernel() {
    for (int radius : new int[] {1, 2, 10, 31}) {
      for (double sigma : new double[] {0.1, 1.0, 10.0}) {
        int k = 2 * radius + 1;
        float[] w = Convolution.gaussianWeights(radius, sigma);
        double[][] g = new double[k][k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
          for (int j = 0; j < k; j++) {
            double x = -1 + 2.0 * i / (k - 1);
            double y = -1 + 2.0 * j / (k - 1);
            g[i][j] = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
            sum += g[i][j];
          }
        }
        for (int i = 0; i < k; i++) {
          for (int j = 0; j < k; j++) {
            assertEquals(g[i][j] / sum, (double) w[i] * w[j], 1e-7, "r=" + radius + " sigma=" + sigma);
          }
        }
      }
    }
  }

  @Test
  void threeTapWeightsByHand() {
    double e = Math.exp(-0.5);
    float[] w = Convolution.gaussianWeights(1, 1.0);
    assertEquals(e / (1 + 2 * e), w[0], 1e-7);
    assertEquals(1 / (1 + 2 * e), w[1], 1e-7);
    assertEquals(w[0], w[2]);
  }
}
