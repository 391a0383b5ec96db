package dev.gpuagent.cpu;

/**
 * The pixel arithmetic of ComfyUI's {@code composite()} (ImageCompositeMasked): the source placed at
 * (x, y) on a copy of the destination, {@code out = m * src + (1 - m) * dst} where it overlaps,
 * the rest of the destination unchanged. Batches follow {@code repeat_to_batch_size}: image {@code i}
 * of the output uses source {@code i mod sourceBatch} and mask {@code i mod maskBatch}.
 */
public final class Composite {
  private Composite() {}

  /**
   * @param source same channels as {@code destination}
   * @param mask null for an opaque source, else {@code [mb, source height, source width, 1]}
   * @param x column of the source's left edge, at least 0
   * @param y row of the source's top edge, at least 0
   */
  public static CpuTensor composite(CpuTensor destination, CpuTensor source, int x, int y,
      CpuTensor mask, Parallel parallel) {
    if (source.channels() != destination.channels()) {
      throw new IllegalArgumentException("channels differ: " + source.shape() + " onto "
          + destination.shape());
    }
    if (mask != null && (mask.height() != source.height() || mask.width() != source.width()
        || mask.channels() != 1)) {
      throw new IllegalArgumentException("mask " + mask.shape() + " does not fit source " + source.shape());
    }
    if (x < 0 || y < 0) {
      throw new IllegalArgumentException("offsets must be at least 0, got " + x + ", " + y);
    }
    int c = destination.channels();
    int dh = destination.height();
    int dw = destination.width();
    int sh = source.height();
    int sw = source.width();
    int left = Math.min(x, dw);
    int top = Math.min(y, dh);
    int right = Math.min(left + sw, dw);
    int bottom = Math.min(top + sh, dh);
    int sb = source.batch();
    int mb = mask == null ? 1 : mask.batch();
    CpuTensor out = CpuTensor.allocate(destination.shape());
    float[] d = destination.data();
    float[] s = source.data();
    float[] m = mask == null ? null : mask.data();
    float[] o = out.data();
    int rowLen = dw * c;
    parallel.forRange(destination.batch() * dh, rowLen, (from, to) -> {
      System.arraycopy(d, from * rowLen, o, from * rowLen, (to - from) * rowLen);
      for (int item = from; item < to; item++) {
        int b = item / dh;
        int row = item % dh;
        if (row < top || row >= bottom) {
          continue;
        }
        int sy = row - top;
        int sOff = (((b % sb) * sh + sy) * sw) * c;
        int oOff = item * rowLen + left * c;
        int n = (right - left) * c;
        if (m == null) {
          System.arraycopy(s, sOff, o, oOff, n);
          continue;
        }
        int mOff = ((b % mb) * sh + sy) * sw;
        for (int px = 0; px < right - left; px++) {
          float w = m[mOff + px];
          float inv = 1f - w;
          for (int ch = 0; ch < c; ch++) {
            int i = px * c + ch;
            o[oOff + i] = w * s[sOff + i] + inv * o[oOff + i];
          }
        }
      }
    });
    return out;
  }
}
