package dev.gpuagent.cpu;

import java.util.Arrays;

/**
 * Perona-Malik anisotropic diffusion, explicit 4-neighbour scheme, per channel and per image.
 *
 * <p>One step, for every pixel {@code p} with neighbours {@code n in {N, S, E, W}}:
 *
 * <pre>
 *   d_n   = I(n) - I(p)            (0 where n lies outside the image: Neumann boundary)
 *   I'(p) = I(p) + lambda * sum_n g(d_n) * d_n
 *   g(d)  = exp(-(d / kappa)^2)          exponential
 *   g(d)  = 1 / (1 + (d / kappa)^2)      quadratic
 * </pre>
 *
 * <p>{@code g} is even, so the flux {@code g(d) d} across an edge between two pixels is computed
 * once and added to one side and subtracted from the other. The scheme is stable for
 * {@code lambda <= 0.25}. The image stays float32 between steps; each step computes in double.
 */
public final class Diffusion {
  /** The edge-stopping function g. */
  public enum Conduction {
    /** {@code g(d) = exp(-(d/kappa)^2)}: favours high-contrast edges. */
    EXPONENTIAL,
    /** {@code g(d) = 1 / (1 + (d/kappa)^2)}: favours wide regions. */
    QUADRATIC
  }

  /** Called after each step with the 1-based step number; may throw to stop the diffusion. */
  @FunctionalInterface
  public interface StepListener {
    void afterStep(int step, int steps);
  }

  private Diffusion() {}

  /**
   * Runs {@code steps} steps from {@code in} into {@code out}, leaving {@code in} untouched. Two
   * buffers ping-pong (the output and one scratch array, allocated once); the parity is chosen so
   * that the last step writes the output.
   */
  public static void peronaMalik(CpuTensor in, CpuTensor out, int steps, double kappa, double lambda,
      Conduction conduction, Parallel parallel, StepListener listener) {
    if (!in.shape().equals(out.shape())) {
      throw new IllegalArgumentException("output " + out.shape() + " differs from input " + in.shape());
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must not be negative: " + steps);
    }
    if (!(kappa > 0) || Double.isInfinite(kappa)) {
      throw new IllegalArgumentException("kappa must be positive and finite: " + kappa);
    }
    float[] result = out.data();
    if (steps == 0) {
      System.arraycopy(in.data(), 0, result, 0, result.length);
      return;
    }
    float[] scratch = steps > 1 ? new float[result.length] : null;
    int height = in.height();
    int rowLen = in.width() * in.channels();
    double invKappa2 = 1.0 / (kappa * kappa);
    float[] source = in.data();
    for (int step = 1; step <= steps; step++) {
      float[] target = (steps - step) % 2 == 0 ? result : scratch;
      Step body = new Step(source, target, height, in.width(), in.channels(), invKappa2, lambda,
          conduction == Conduction.EXPONENTIAL);
      parallel.forRange(in.batch() * height, rowLen * 4L, body::run);
      source = target;
      listener.afterStep(step, steps);
    }
  }

  /** One diffusion step over a range of rows (all images stacked). */
  private record Step(float[] src, float[] dst, int height, int width, int channels, double invKappa2,
      double lambda, boolean exponential) {

    void run(int from, int to) {
      int rowLen = width * channels;
      double[] north = new double[rowLen]; // flux between rows y-1 and y: g(d) d, d = I(y) - I(y-1)
      double[] south = new double[rowLen]; // flux between rows y and y+1: d = I(y+1) - I(y)
      double[] east = new double[rowLen]; // flux between pixels x and x+1: d = I(x+1) - I(x)
      int inner = rowLen - channels;
      for (int row = from; row < to; row++) {
        int y = row % height;
        int base = row * rowLen;
        if (y == 0) {
          Arrays.fill(north, 0);
        } else if (row == from) {
          flux(base - rowLen, base, north, rowLen);
        }
        if (y == height - 1) {
          Arrays.fill(south, 0);
        } else {
          flux(base, base + rowLen, south, rowLen);
        }
        flux(base, base + channels, east, inner);
        Arrays.fill(east, Math.max(0, inner), rowLen, 0);
        update(base, north, south, east, rowLen);
        double[] t = north;
        north = south;
        south = t;
      }
    }

    /**
     * {@code out[j] = g(d) d} with {@code d = src[b + j] - src[a + j]}, for j in [0, n). The flux
     * arrays are double so that C2 can vectorise loops that read the float image at two offsets.
     */
    private void flux(int a, int b, double[] out, int n) {
      float[] s = src;
      double k = invKappa2;
      if (exponential) {
        for (int j = 0; j < n; j++) {
          double d = (double) s[b + j] - s[a + j];
          out[j] = d * expNegative(d * d * k);
        }
      } else {
        for (int j = 0; j < n; j++) {
          double d = (double) s[b + j] - s[a + j];
          out[j] = d / (1 + d * d * k);
        }
      }
    }

    /** {@code dst = src + lambda (south - north + east - west)}, west being east shifted by a pixel. */
    private void update(int base, double[] north, double[] south, double[] east, int rowLen) {
      float[] s = src;
      float[] o = dst;
      double lam = lambda;
      int c = channels;
      for (int j = 0; j < c; j++) {
        o[base + j] = (float) (s[base + j] + lam * (south[j] - north[j] + east[j]));
      }
      for (int j = c; j < rowLen; j++) {
        o[base + j] = (float) (s[base + j] + lam * (south[j] - north[j] + east[j] - east[j - c]));
      }
    }
  }

  /**
   * {@code exp(-q)} for {@code q >= 0}, to about 1e-10 relative, in plain arithmetic that C2
   * vectorises (Math.exp is a scalar call): a degree-7 Taylor polynomial of {@code exp(-q/2048)},
   * squared eleven times. {@code q} is capped at 120, where the result (7.7e-53) is already far below
   * what the float flux {@code d * exp(-q)} can hold for any sensible {@code d}. (On JDK 25 a
   * degree-8 polynomial made the flux loop too big for C2 to vectorise: 3x slower.)
   */
  static double expNegative(double q) {
    double x = Math.min(q, 120.0) * (1.0 / 2048);
    double e = 1 - x * (1 - x * (1.0 / 2 - x * (1.0 / 6 - x * (1.0 / 24 - x * (1.0 / 120
        - x * (1.0 / 720 - x * (1.0 / 5040)))))));
    e *= e;
    e *= e;
    e *= e;
    e *= e;
    e *= e;
    e *= e;
    e *= e;
    e *= e;
    e *= e;
    e *= e;
    return e * e;
  }
}
