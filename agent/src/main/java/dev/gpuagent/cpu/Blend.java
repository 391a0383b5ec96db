package dev.gpuagent.cpu;

import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;

/**
 * ComfyUI's ImageBlend arithmetic in float32: {@code clamp(a * (1 - f) + M(a, b) * f, 0, 1)} with
 * the blend mode's {@code M}, operation by operation in PyTorch's order so results match bit for bit.
 */
public final class Blend {
  private Blend() {}

  /** ComfyUI's blend modes, in its option order. */
  public enum Mode {
    NORMAL("normal"),
    MULTIPLY("multiply"),
    SCREEN("screen"),
    OVERLAY("overlay"),
    SOFT_LIGHT("soft_light"),
    DIFFERENCE("difference");

    private final String comfyName;

    Mode(String comfyName) {
      this.comfyName = comfyName;
    }

    public String comfyName() {
      return comfyName;
    }

    public static java.util.List<String> comfyNames() {
      return java.util.Arrays.stream(values()).map(Mode::comfyName).toList();
    }

    public static Mode fromComfyName(String name) {
      for (Mode m : values()) {
        if (m.comfyName.equals(name)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown blend mode '" + name + "'");
    }
  }

  /**
   * Blends {@code b} into {@code a}. Both must have the same height, width and channels; batches must
   * be equal or one of them 1 (broadcast, as PyTorch would), giving the larger batch.
   */
  public static CpuTensor blend(CpuTensor a, CpuTensor b, double factor, Mode mode, Parallel parallel) {
    if (a.height() != b.height() || a.width() != b.width() || a.channels() != b.channels()) {
      throw new IllegalArgumentException("blend needs equal image shapes, got " + a.shape() + " and "
          + b.shape());
    }
    int ba = a.batch();
    int bb = b.batch();
    if (ba != bb && ba != 1 && bb != 1) {
      throw new NodeException("cannot blend a batch of " + ba + " images with a batch of " + bb
          + "; the batch sizes must match or one of them must be 1");
    }
    int batch = Math.max(ba, bb);
    CpuTensor out = CpuTensor.allocateForOverwrite(new Shape(batch, a.height(), a.width(), a.channels()));
    float keep = (float) (1 - factor);
    float f = (float) factor;
    int rowLen = a.width() * a.channels();
    int h = a.height();
    float[] x = a.data();
    float[] y = b.data();
    float[] o = out.data();
    parallel.forRange(batch * h, rowLen, (from, to) -> {
      int item = from;
      while (item < to) {
        int bi = item / h;
        int end = Math.min(to, (bi + 1) * h);
        int n = (end - item) * rowLen;
        int row = item % h;
        int xOff = ((ba == 1 ? 0 : bi) * h + row) * rowLen;
        int yOff = ((bb == 1 ? 0 : bi) * h + row) * rowLen;
        blendRun(mode, x, xOff, y, yOff, o, item * rowLen, n, keep, f);
        item = end;
      }
    });
    return out;
  }

  private static void blendRun(Mode mode, float[] x, int xOff, float[] y, int yOff, float[] o, int oOff,
      int n, float keep, float f) {
    switch (mode) {
      case NORMAL -> {
        for (int i = 0; i < n; i++) {
          o[oOff + i] = clamp(x[xOff + i] * keep + y[yOff + i] * f);
        }
      }
      case MULTIPLY -> {
        for (int i = 0; i < n; i++) {
          float a = x[xOff + i];
          o[oOff + i] = clamp(a * keep + (a * y[yOff + i]) * f);
        }
      }
      case SCREEN -> {
        for (int i = 0; i < n; i++) {
          float a = x[xOff + i];
          o[oOff + i] = clamp(a * keep + (1f - (1f - a) * (1f - y[yOff + i])) * f);
        }
      }
      case OVERLAY -> {
        for (int i = 0; i < n; i++) {
          float a = x[xOff + i];
          float b = y[yOff + i];
          float m = a <= 0.5f ? 2f * a * b : 1f - 2f * (1f - a) * (1f - b);
          o[oOff + i] = clamp(a * keep + m * f);
        }
      }
      case SOFT_LIGHT -> {
        for (int i = 0; i < n; i++) {
          float a = x[xOff + i];
          float b = y[yOff + i];
          float m = b <= 0.5f ? a - (1f - 2f * b) * a * (1f - a) : a + (2f * b - 1f) * (g(a) - a);
          o[oOff + i] = clamp(a * keep + m * f);
        }
      }
      case DIFFERENCE -> {
        for (int i = 0; i < n; i++) {
          float a = x[xOff + i];
          o[oOff + i] = clamp(a * keep + (a - y[yOff + i]) * f);
        }
      }
    }
  }

  /** ComfyUI's soft-light helper: ((16x - 12)x + 4)x up to 0.25, sqrt(x) above. */
  static float g(float x) {
    return x <= 0.25f ? ((16f * x - 12f) * x + 4f) * x : (float) Math.sqrt(x);
  }

  /** torch.clamp(v, 0, 1): NaN stays NaN. */
  private static float clamp(float v) {
    return v < 0f ? 0f : (v > 1f ? 1f : v);
  }
}
