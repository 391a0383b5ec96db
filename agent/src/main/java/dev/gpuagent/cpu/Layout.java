package dev.gpuagent.cpu;

import dev.gpuagent.engine.Shape;

/**
 * Kernels that move pixels without changing them: ComfyUI's ImageCrop slice and the padding and
 * feathered mask of ImagePadForOutpaint.
 */
public final class Layout {
  /** Value of the padding ImagePadForOutpaint adds around the image. */
  public static final float OUTPAINT_FILL = 0.5f;

  private Layout() {}

  /**
   * {@code image[:, y:y+height, x:x+width, :]} for a region the caller has already clipped to the
   * image ({@code x + width <= W}, {@code y + height <= H}).
   */
  public static CpuTensor crop(CpuTensor image, int x, int y, int width, int height, Parallel parallel) {
    if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > image.width()
        || y + height > image.height()) {
      throw new IllegalArgumentException("crop " + width + "x" + height + "+" + x + "+" + y
          + " outside " + image.shape());
    }
    int c = image.channels();
    CpuTensor out = CpuTensor.allocate(Shape.image(image.batch(), height, width, c));
    float[] in = image.data();
    float[] o = out.data();
    int inH = image.height();
    int inRow = image.width() * c;
    int outRow = width * c;
    parallel.forRange(image.batch() * height, outRow, (from, to) -> {
      for (int r = from; r < to; r++) {
        int b = r / height;
        int row = r - b * height;
        int src = ((b * inH) + y + row) * inRow + x * c;
        System.arraycopy(in, src, o, r * outRow, outRow);
      }
    });
    return out;
  }

  /**
   * The image on a canvas grown by the given margins, the margins filled with
   * {@link #OUTPAINT_FILL} in every channel (alpha included, as ComfyUI does).
   */
  public static CpuTensor pad(CpuTensor image, int left, int top, int right, int bottom, Parallel parallel) {
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    int outH = h + top + bottom;
    int outW = w + left + right;
    CpuTensor out = CpuTensor.allocate(Shape.image(image.batch(), outH, outW, c));
    float[] in = image.data();
    float[] o = out.data();
    int inRow = w * c;
    int outRow = outW * c;
    parallel.forRange(image.batch() * outH, outRow, (from, to) -> {
      for (int r = from; r < to; r++) {
        int b = r / outH;
        int row = r - b * outH;
        int dst = r * outRow;
        int srcRow = row - top;
        if (srcRow < 0 || srcRow >= h) {
          java.util.Arrays.fill(o, dst, dst + outRow, OUTPAINT_FILL);
          continue;
        }
        java.util.Arrays.fill(o, dst, dst + left * c, OUTPAINT_FILL);
        System.arraycopy(in, (b * h + srcRow) * inRow, o, dst + left * c, inRow);
        java.util.Arrays.fill(o, dst + (left + w) * c, dst + outRow, OUTPAINT_FILL);
      }
    });
    return out;
  }

  /**
   * ImagePadForOutpaint's mask {@code [1, H+top+bottom, W+left+right]}: 1 on the margins; inside the
   * original image 0, except within {@code feathering} pixels of a padded side, where it is
   * {@code ((feathering - d) / feathering)^2} with {@code d} the distance to the nearest padded side
   * counted as ComfyUI counts it ({@code i} from the top, {@code H - i} from the bottom, so the
   * first row is at distance 0 and the last at 1). No feathering unless
   * {@code 0 < 2 * feathering < min(H, W)}.
   */
  public static CpuTensor outpaintMask(int h, int w, int left, int top, int right, int bottom,
      int feathering, Parallel parallel) {
    int outH = h + top + bottom;
    int outW = w + left + right;
    CpuTensor out = CpuTensor.allocate(Shape.mask(1, outH, outW));
    float[] o = out.data();
    boolean feather = feathering > 0 && 2L * feathering < h && 2L * feathering < w;
    // Squared falloff by distance, computed in double as Python does, then stored as float32.
    float[] falloff = new float[feather ? feathering : 0];
    for (int d = 0; d < falloff.length; d++) {
      double v = (feathering - d) / (double) feathering;
      falloff[d] = (float) (v * v);
    }
    // Horizontal distance of each image column to the nearest padded side (w means "none").
    int[] across = new int[feather ? w : 0];
    for (int j = 0; j < across.length; j++) {
      across[j] = Math.min(left != 0 ? j : w, right != 0 ? w - j : w);
    }
    parallel.forRange(outH, outW, (from, to) -> {
      for (int row = from; row < to; row++) {
        int dst = row * outW;
        int i = row - top;
        if (i < 0 || i >= h) {
          java.util.Arrays.fill(o, dst, dst + outW, 1.0f);
          continue;
        }
        java.util.Arrays.fill(o, dst, dst + left, 1.0f);
        java.util.Arrays.fill(o, dst + left + w, dst + outW, 1.0f);
        if (!feather) {
          continue; // the image area stays 0
        }
        int down = Math.min(top != 0 ? i : h, bottom != 0 ? h - i : h);
        int base = dst + left;
        for (int j = 0; j < w; j++) {
          int d = Math.min(down, across[j]);
          o[base + j] = d < feathering ? falloff[d] : 0.0f;
        }
      }
    });
    return out;
  }
}
