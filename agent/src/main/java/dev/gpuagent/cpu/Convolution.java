package dev.gpuagent.cpu;

/**
 * Gaussian blur and sharpen as ComfyUI's {@code ImageBlur} and {@code ImageSharpen} compute them
 * (comfy_extras/nodes_post_processing.py): a depthwise {@code conv2d} with ComfyUI's
 * {@code gaussian_kernel} over an image padded by {@code F.pad(..., 'reflect')}.
 *
 * <p>ComfyUI's 2-D kernel {@code g(i,j) = exp(-(x_i^2 + y_j^2) / (2 sigma^2)) / sum} on
 * {@code x = y = linspace(-1, 1, 2r+1)} is the outer product of one 1-D kernel with itself, so
 * both filters run as two 1-D passes. They are fused per output row: a vertical pass gathers the
 * row's {@code 2r+1} source rows into a padded row buffer, then a horizontal pass filters that
 * buffer into the output. Kernels are symmetric, so mirrored taps are added before multiplying.
 *
 * <p>Edges: a mirror index fold ({@link #reflect}), equal to PyTorch's 'reflect' wherever that is
 * defined (pad &lt; side) and repeating the reflection beyond, so a 1x1 image or a radius larger
 * than the image is well defined (PyTorch raises an error there).
 */
public final class Convolution {
  /** Floats of one accumulator block: small enough to stay in L1 while taps stream through. */
  private static final int BLOCK = 2048;

  private Convolution() {}

  /**
   * The normalised 1-D factor {@code w} of ComfyUI's {@code gaussian_kernel(2r+1, sigma)}: the
   * 2-D kernel is {@code w[i] * w[j]}. The sample points are float32 {@code torch.linspace(-1, 1, k)}.
   */
  public static float[] gaussianWeights(int radius, double sigma) {
    if (radius < 0) {
      throw new IllegalArgumentException("radius must not be negative: " + radius);
    }
    if (!(sigma > 0) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException("sigma must be positive and finite: " + sigma);
    }
    int k = 2 * radius + 1;
    double[] e = new double[k];
    double sum = 0;
    float step = k == 1 ? 0f : 2f / (k - 1);
    for (int i = 0; i < k; i++) {
      // torch's linspace: start + step * i for the first half, end - step * (k - 1 - i) after
      float x = i < k / 2 ? -1f + step * i : 1f - step * (k - 1 - i);
      e[i] = Math.exp(-((double) x * x) / (2.0 * sigma * sigma));
      sum += e[i];
    }
    float[] w = new float[k];
    for (int i = 0; i < k; i++) {
      w[i] = (float) (e[i] / sum);
    }
    return w;
  }

  /**
   * Folds index {@code i} into {@code [0, n)} by mirroring about the first and last element
   * without repeating them (PyTorch 'reflect': -1 -> 1, n -> n-2), repeatedly, so any {@code i} maps.
   */
  public static int reflect(int i, int n) {
    if (n == 1) {
      return 0;
    }
    int period = 2 * (n - 1);
    int m = Math.floorMod(i, period);
    return m < n ? m : period - m;
  }

  /** ComfyUI's ImageBlur: Gaussian blur with reflect padding, no clamp. */
  public static void gaussianBlur(CpuTensor in, CpuTensor out, int radius, double sigma, Parallel parallel) {
    filter(in, out, radius, gaussianWeights(radius, sigma), false, 0f, parallel);
  }

  /**
   * ComfyUI's ImageSharpen. Its kernel is {@code K = -10 alpha g} with the centre raised so that
   * {@code sum(K) = 1}, i.e. {@code K = (1 + 10 alpha) delta - 10 alpha g} since {@code sum(g) = 1};
   * so {@code out = clamp(x + 10 alpha (x - blur(x)), 0, 1)} with {@code blur} the Gaussian above.
   */
  public static void sharpen(CpuTensor in, CpuTensor out, int radius, double sigma, double alpha,
      Parallel parallel) {
    filter(in, out, radius, gaussianWeights(radius, sigma), true, (float) (10.0 * alpha), parallel);
  }

  private static void filter(CpuTensor in, CpuTensor out, int radius, float[] weights, boolean sharpen,
      float amount, Parallel parallel) {
    if (!in.shape().equals(out.shape())) {
      throw new IllegalArgumentException("output " + out.shape() + " differs from input " + in.shape());
    }
    int height = in.height();
    int width = in.width();
    int channels = in.channels();
    int rowLen = width * channels;
    // rowSource[y + radius + d] = the source row of row y + d; colSource = the padded columns' sources
    int[] rowSource = new int[height + 2 * radius];
    for (int p = 0; p < rowSource.length; p++) {
      rowSource[p] = reflect(p - radius, height);
    }
    int[] colSource = new int[2 * radius];
    for (int p = 0; p < radius; p++) {
      colSource[p] = reflect(p - radius, width);
      colSource[radius + p] = reflect(width + p, width);
    }
    float[] src = in.data();
    float[] dst = out.data();
    Rows rows = new Rows(src, dst, height, width, channels, radius, weights, rowSource, colSource,
        sharpen, amount);
    parallel.forRange(in.batch() * height, (long) rowLen * (2L * radius + 2), rows::run);
  }

  /** The fused vertical + horizontal pass over a range of output rows (all images stacked). */
  private record Rows(float[] src, float[] dst, int height, int width, int channels, int radius,
      float[] weights, int[] rowSource, int[] colSource, boolean sharpen, float amount) {

    void run(int from, int to) {
      int rowLen = width * channels;
      int padOffset = radius * channels;
      float[] padded = new float[rowLen + 2 * padOffset];
      int[] taps = new int[2 * radius + 1];
      for (int row = from; row < to; row++) {
        int b = row / height;
        int y = row - b * height;
        int imageBase = b * height * rowLen;
        for (int d = 0; d < taps.length; d++) {
          taps[d] = imageBase + rowSource[y + d] * rowLen;
        }
        vertical(taps, padded, padOffset, rowLen);
        for (int p = 0; p < 2 * radius; p++) {
          int target = p < radius ? p : width + p;
          System.arraycopy(padded, padOffset + colSource[p] * channels, padded, target * channels, channels);
        }
        int outBase = imageBase + y * rowLen;
        horizontal(padded, outBase, rowLen);
        if (sharpen) {
          sharpenInPlace(outBase, rowLen);
        }
      }
    }

    /** {@code padded[off + j] = sum_d w[d] * src[taps[d] + j]}, mirrored taps paired. */
    private void vertical(int[] taps, float[] padded, int off, int rowLen) {
      float[] s = src;
      float wc = weights[radius];
      int centre = taps[radius];
      for (int j0 = 0; j0 < rowLen; j0 += BLOCK) {
        int j1 = Math.min(rowLen, j0 + BLOCK);
        for (int j = j0; j < j1; j++) {
          padded[off + j] = wc * s[centre + j];
        }
        for (int k = 1; k <= radius; k++) {
          float wk = weights[radius + k];
          int up = taps[radius - k];
          int down = taps[radius + k];
          for (int j = j0; j < j1; j++) {
            padded[off + j] += wk * (s[up + j] + s[down + j]);
          }
        }
      }
    }

    /** {@code dst[outBase + j] = sum_d w[d] * padded[j + d * channels]}, mirrored taps paired. */
    private void horizontal(float[] padded, int outBase, int rowLen) {
      float[] o = dst;
      float wc = weights[radius];
      int centre = radius * channels;
      for (int j0 = 0; j0 < rowLen; j0 += BLOCK) {
        int j1 = Math.min(rowLen, j0 + BLOCK);
        for (int j = j0; j < j1; j++) {
          o[outBase + j] = wc * padded[centre + j];
        }
        for (int k = 1; k <= radius; k++) {
          float wk = weights[radius + k];
          int left = (radius - k) * channels;
          int right = (radius + k) * channels;
          for (int j = j0; j < j1; j++) {
            o[outBase + j] += wk * (padded[left + j] + padded[right + j]);
          }
        }
      }
    }

    /** {@code dst = clamp(x + amount * (x - blur), 0, 1)} over one row, where dst holds the blur. */
    private void sharpenInPlace(int base, int rowLen) {
      float[] s = src;
      float[] o = dst;
      float a = amount;
      for (int j = 0; j < rowLen; j++) {
        float x = s[base + j];
        float v = x + a * (x - o[base + j]);
        o[base + j] = Math.min(1f, Math.max(0f, v));
      }
    }
  }
}
