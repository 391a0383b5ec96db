package dev.gpuagent.cpu;

/**
 * Source positions and weights of a one-dimensional resampling filter, computed once per axis the way
 * PyTorch's CPU upsampling kernels compute them (float arithmetic, align_corners=False): for output
 * position {@code o}, tap {@code t} reads source index {@code index[o * taps + t]} (already clamped
 * to the source) with weight {@code weight[o * taps + t]}. Within one output position the indices
 * never decrease and span at most {@code taps} consecutive source positions.
 */
record InterpolationTaps(int taps, int[] index, float[] weight) {
  /** PyTorch's bicubic constant. */
  private static final float A = -0.75f;

  /** PyTorch's {@code area_pixel_compute_scale} without an explicit scale factor: in / out in float. */
  static float scale(int in, int out) {
    return (float) in / (float) out;
  }

  /** PyTorch's {@code area_pixel_compute_source_index} (align_corners=False), in float. */
  static float sourceIndex(float scale, int o, boolean cubic) {
    float src = scale * ((float) o + 0.5f) - 0.5f;
    return !cubic && src < 0f ? 0f : src;
  }

  /** Two taps per output: PyTorch's linear interpolation along one axis. */
  static InterpolationTaps linear(int in, int out) {
    int[] index = new int[out * 2];
    float[] weight = new float[out * 2];
    float scale = scale(in, out);
    for (int o = 0; o < out; o++) {
      int i0;
      int i1;
      float l0;
      float l1;
      if (in == out) {
        i0 = o;
        i1 = o;
        l0 = 1f;
        l1 = 0f;
      } else {
        float real = sourceIndex(scale, o, false);
        i0 = Math.min((int) Math.floor(real), in - 1);
        l1 = Math.min(Math.max(real - i0, 0f), 1f);
        i1 = i0 + (i0 < in - 1 ? 1 : 0);
        l0 = 1f - l1;
      }
      index[2 * o] = i0;
      index[2 * o + 1] = i1;
      weight[2 * o] = l0;
      weight[2 * o + 1] = l1;
    }
    return new InterpolationTaps(2, index, weight);
  }

  /** Four taps per output: PyTorch's bicubic convolution (A = -0.75) with clamped border indices. */
  static InterpolationTaps cubic(int in, int out) {
    int[] index = new int[out * 4];
    float[] weight = new float[out * 4];
    float scale = scale(in, out);
    for (int o = 0; o < out; o++) {
      float real = sourceIndex(scale, o, true);
      int i = Math.min((int) Math.floor(real), in - 1);
      float t = Math.min(Math.max(real - i, 0f), 1f);
      float x2 = 1f - t;
      weight[4 * o] = cubicFar(t + 1f);
      weight[4 * o + 1] = cubicNear(t);
      weight[4 * o + 2] = cubicNear(x2);
      weight[4 * o + 3] = cubicFar(x2 + 1f);
      for (int k = 0; k < 4; k++) {
        index[4 * o + k] = Math.max(Math.min(i - 1 + k, in - 1), 0);
      }
    }
    return new InterpolationTaps(4, index, weight);
  }

  /** Keys' cubic for |x| <= 1: ((A + 2) x - (A + 3)) x x + 1. */
  private static float cubicNear(float x) {
    return ((A + 2f) * x - (A + 3f)) * x * x + 1f;
  }

  /** Keys' cubic for 1 < |x| < 2: ((A x - 5A) x + 8A) x - 4A. */
  private static float cubicFar(float x) {
    return ((A * x - 5f * A) * x + 8f * A) * x - 4f * A;
  }
}
