package dev.gpuagent.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Independent references for the convolution filter tests: ComfyUI's 2-D kernels built literally
 * (in double), a naive direct 2-D convolution, and the PyTorch golden file.
 */
final class FilterReference {
  private FilterReference() {}

  /** ComfyUI's gaussian_kernel(k, sigma): meshgrid of linspace(-1, 1, k), exp(-d^2/(2 sigma^2)), /sum. */
  static double[][] gaussian2d(int radius, double sigma) {
    int k = 2 * radius + 1;
    double[][] g = new double[k][k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        double x = -1 + 2.0 * i / (k - 1);
        double y = -1 + 2.0 * j / (k - 1);
        double d = Math.sqrt(x * x + y * y);
        g[i][j] = Math.exp(-(d * d) / (2.0 * sigma * sigma));
        sum += g[i][j];
      }
    }
    for (double[] row : g) {
      for (int j = 0; j < k; j++) {
        row[j] /= sum;
      }
    }
    return g;
  }

  /** ComfyUI's sharpen kernel: gaussian * -(alpha * 10), centre -= sum - 1. */
  static double[][] sharpenKernel(int radius, double sigma, double alpha) {
    double[][] kernel = gaussian2d(radius, sigma);
    double sum = 0;
    for (double[] row : kernel) {
      for (int j = 0; j < row.length; j++) {
        row[j] *= -(alpha * 10);
        sum += row[j];
      }
    }
    kernel[radius][radius] = kernel[radius][radius] - sum + 1.0;
    return kernel;
  }

  /** Reflection repeated until the index lands inside: -1 -> 1, n -> n - 2 (n = 1: always 0). */
  static int mirror(int i, int n) {
    if (n == 1) {
      return 0;
    }
    while (i < 0 || i >= n) {
      if (i < 0) {
        i = -i;
      }
      if (i >= n) {
        i = 2 * (n - 1) - i;
      }
    }
    return i;
  }

  /** Direct depthwise 2-D convolution with mirrored edges, optionally clamped to 0..1. */
  static CpuTensor convolve(CpuTensor image, double[][] kernel, boolean clamp) {
    int r = kernel.length / 2;
    int b = image.batch();
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    float[] out = new float[b * h * w * c];
    int o = 0;
    for (int n = 0; n < b; n++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int ch = 0; ch < c; ch++) {
            double acc = 0;
            for (int dy = -r; dy <= r; dy++) {
              for (int dx = -r; dx <= r; dx++) {
                acc += kernel[dy + r][dx + r] * image.get(n, mirror(y + dy, h), mirror(x + dx, w), ch);
              }
            }
            out[o++] = (float) (clamp ? Math.min(1, Math.max(0, acc)) : acc);
          }
        }
      }
    }
    return new CpuTensor(image.shape(), out);
  }

  /** The PyTorch outputs written by agent/src/test/python/golden_filters.py. */
  static JsonNode golden() {
    try (InputStream in = FilterReference.class.getResourceAsStream("/golden/filters.json")) {
      if (in == null) {
        throw new IllegalStateException("golden/filters.json is missing from the test resources");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static CpuTensor tensor(JsonNode shape, JsonNode data) {
    float[] values = new float[data.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) data.get(i).asDouble();
    }
    return new CpuTensor(new Shape(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt(),
        shape.get(3).asInt()), values);
  }
}
