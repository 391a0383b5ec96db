package dev.gpuagent.cpu;

import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;

/**
 * ComfyUI's {@code node_helpers.image_alpha_fix} for nodes that combine two images: a source with
 * more channels than the destination loses the extra ones (RGBA onto RGB drops alpha); a source with
 * one channel fewer gains an opaque alpha channel of 1.0 (RGB onto RGBA).
 */
public final class AlphaFix {
  private AlphaFix() {}

  /** {@code source} itself when it already has {@code channels}, else a converted copy. */
  public static CpuTensor fit(CpuTensor source, int channels, String sourceName, String targetName,
      Parallel parallel) {
    int c = source.channels();
    if (!needed(c, channels, sourceName, targetName)) {
      return source;
    }
    Shape shape = new Shape(source.batch(), source.height(), source.width(), channels);
    CpuTensor out = CpuTensor.allocate(shape);
    float[] in = source.data();
    float[] o = out.data();
    int copy = Math.min(c, channels);
    int pixelsPerRow = source.width();
    parallel.forRange(source.batch() * source.height(), (long) pixelsPerRow * channels, (from, to) -> {
      for (int p = from * pixelsPerRow; p < to * pixelsPerRow; p++) {
        System.arraycopy(in, p * c, o, p * channels, copy);
        for (int ch = copy; ch < channels; ch++) {
          o[p * channels + ch] = 1f;
        }
      }
    });
    return out;
  }

  /**
   * Whether a source of {@code sourceChannels} needs converting to {@code channels}; a NodeException
   * when it cannot be (more than an alpha channel missing). Shared by the CPU and CUDA backends.
   */
  public static boolean needed(int sourceChannels, int channels, String sourceName, String targetName) {
    if (sourceChannels == channels) {
      return false;
    }
    if (sourceChannels < channels - 1) {
      throw new NodeException(sourceName + " has " + sourceChannels + " channels and " + targetName + " has "
          + channels + "; only an alpha channel can be added (RGB to RGBA)");
    }
    return true;
  }
}
