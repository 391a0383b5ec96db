package dev.gpuagent.cpu;

/**
 * Gaussian blur and sharpen as ComfyUI's {@code ImageBlur} and {@code ImageSharpen} compute them
 * (comfy_extras/nodes_post_processing.py): a depthwise {@code conv2d} with ComfyUI's
 * {@code gaussian_kernel} over an image padded by {@code F.pad(..., 'reflect')}.
 *
 * <p>ComfyUI's 2-D kernel {@code g(i,j) = exp(-(x_i^2 + y_j^2) / (2 sigma^2)) / sum} on
 * {@code x = y = linspace(-1, 1, 2r+1)} is the outer product of one 1-D kernel with itself, so
 * both filters run as two 1-D passes fused per output row: a vertical pass filters the row's
 * {@code 2r+1} source rows into a padded row buffer, which gets its reflected ends and is then
 * filtered horizontally into the output. Kernels are symmetric, so mirrored taps are added before
 * multiplying. Measured on 2 cores the loops are compute-bound, so no cache tiling beyond the
 * accumulator block is done.
 *
 * <p>Edges: a mirror index fold ({@link #reflect}), equal to PyTorch's 'reflect' wherever that is
 * defined (pad &lt; side) and repeating the reflection beyond, so a 1x1 image or a radius larger
 * than the image is well defined (PyTorch raises an error there).
 */
public final class Convolution {
  /** Elements of one accumulator block (8 KB of doubles): stays in L1 while taps stream through. */
  private static final int BLOCK = 1024;

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
    if (in.data() == out.data()) {
      throw new IllegalArgumentException("filters cannot run in place");
    }
    int height = in.height();
    // rowSource[y + radius + d] = the source row of output row y's tap d (d in -radius..radius)
    int[] rowSource = new int[height + 2 * radius];
    for (int p = 0; p < rowSource.length; p++) {
      rowSource[p] = reflect(p - radius, height);
    }
    // leftSource[p] / rightSource[p]: the columns mirrored into padded columns -r + p / width + p
    int[] leftSource = new int[radius];
    int[] rightSource = new int[radius];
    for (int p = 0; p < radius; p++) {
      leftSource[p] = reflect(p - radius, in.width());
      rightSource[p] = reflect(in.width() + p, in.width());
    }
    double[] w = new double[radius + 1];
    for (int k = 0; k <= radius; k++) {
      w[k] = weights[radius + k];
    }
    Rows rows = new Rows(in.data(), out.data(), height, in.width(), in.channels(), radius, w, rowSource,
        leftSource, rightSource, sharpen, amount);
    long workPerRow = (long) in.width() * in.channels() * (2L * radius + 2);
    parallel.forRange(in.batch() * height, workPerRow, rows::run);
  }

  /**
   * The fused vertical + horizontal pass over a range of output rows (all images stacked). Sums
   * run in a {@code double[]} block: besides the precision, C2 vectorises loads from a float array
   * at shifted offsets only when the stores go to an array it knows cannot alias them, and a
   * double array cannot alias a float one.
   *
   * @param w the kernel's right half: {@code w[k]} weighs taps {@code -k} and {@code +k}
   */
  private record Rows(float[] src, float[] dst, int height, int width, int channels, int radius,
      double[] w, int[] rowSource, int[] leftSource, int[] rightSource, boolean sharpen, float amount) {

    void run(int from, int to) {
      int c = channels;
      int r = radius;
      int rowLen = width * c;
      // padded[(x + r) * c + ch] holds the vertically filtered column x, x in -r .. width + r - 1
      float[] padded = new float[(width + 2 * r) * c];
      double[] acc = new double[Math.min(BLOCK, rowLen)];
      int[] taps = new int[2 * r + 1];
      for (int row = from; row < to; row++) {
        int b = row / height;
        int y = row - b * height;
        int imageBase = b * height * rowLen;
        for (int d = 0; d < taps.length; d++) {
          taps[d] = imageBase + rowSource[y + d] * rowLen;
        }
        for (int j0 = 0; j0 < rowLen; j0 += BLOCK) {
          vertical(taps, j0, Math.min(BLOCK, rowLen - j0), acc, padded, r * c + j0);
        }
        for (int p = 0; p < r; p++) {
          System.arraycopy(padded, (leftSource[p] + r) * c, padded, p * c, c);
          System.arraycopy(padded, (rightSource[p] + r) * c, padded, (width + r + p) * c, c);
        }
        int out = imageBase + y * rowLen;
        for (int j0 = 0; j0 < rowLen; j0 += BLOCK) {
          horizontal(padded, j0, Math.min(BLOCK, rowLen - j0), acc, out + j0);
        }
      }
    }

    /** {@code padded[at + j] = sum_d w[|d|] * src[taps[r + d] + j0 + j]}, mirrored taps paired. */
    private void vertical(int[] taps, int j0, int n, double[] acc, float[] padded, int at) {
      float[] s = src;
      int r = radius;
      double wc = w[0];
      int centre = taps[r] + j0;
      for (int j = 0; j < n; j++) {
        acc[j] = wc * s[centre + j];
      }
      for (int k = 1; k <= r; k++) {
        double wk = w[k];
        int up = taps[r - k] + j0;
        int down = taps[r + k] + j0;
        for (int j = 0; j < n; j++) {
          acc[j] += wk * (double) (s[up + j] + s[down + j]);
        }
      }
      for (int j = 0; j < n; j++) {
        padded[at + j] = (float) acc[j];
      }
    }

    /**
     * {@code dst[out + j] = sum_d w[|d|] * padded[j0 + j + (r + d) * channels]}, mirrored taps
     * paired; for sharpen then {@code clamp(x + amount * (x - blur), 0, 1)} with x the source pixel.
     */
    private void horizontal(float[] padded, int j0, int n, double[] acc, int out) {
      int r = radius;
      double wc = w[0];
      int centre = r * channels + j0;
      for (int j = 0; j < n; j++) {
        acc[j] = wc * padded[centre + j];
      }
      for (int k = 1; k <= r; k++) {
        double wk = w[k];
        int left = (r - k) * channels + j0;
        int right = (r + k) * channels + j0;
        for (int j = 0; j < n; j++) {
          acc[j] += wk * (double) (padded[left + j] + padded[right + j]);
        }
      }
      float[] o = dst;
      if (sharpen) {
        float[] s = src;
        double a = amount;
        for (int j = 0; j < n; j++) {
          double x = s[out + j];
          double v = x + a * (x - acc[j]);
          o[out + j] = (float) Math.min(1.0, Math.max(0.0, v));
        }
      } else {
        for (int j = 0; j < n; j++) {
          o[out + j] = (float) acc[j];
        }
      }
    }
  }
}
