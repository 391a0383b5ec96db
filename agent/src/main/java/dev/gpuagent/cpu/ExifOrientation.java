package dev.gpuagent.cpu;

/**
 * The EXIF orientation tag (0x0112) and the transposes Pillow's {@code ImageOps.exif_transpose}
 * applies for it: 2 flip left-right, 3 rotate 180, 4 flip top-bottom, 5 transpose, 6 rotate 90
 * clockwise, 7 transverse, 8 rotate 90 counter-clockwise. Other values (1, missing, unknown) leave
 * the image as is.
 */
public final class ExifOrientation {
  public static final int NORMAL = 1;
  private static final int ORIENTATION_TAG = 0x0112;
  private static final int TYPE_SHORT = 3;

  private ExifOrientation() {}

  /**
   * Reads the orientation from EXIF data: a TIFF structure, optionally preceded by the
   * {@code Exif\0\0} header of a JPEG APP1 segment. Returns {@link #NORMAL} when the data holds no
   * usable orientation; never throws on malformed data.
   */
  public static int parse(byte[] data, int offset, int length) {
    int end = Math.min(data.length, offset + length);
    int tiff = offset;
    if (end - tiff >= 6 && data[tiff] == 'E' && data[tiff + 1] == 'x' && data[tiff + 2] == 'i'
        && data[tiff + 3] == 'f' && data[tiff + 4] == 0 && data[tiff + 5] == 0) {
      tiff += 6;
    }
    if (end - tiff < 8) {
      return NORMAL;
    }
    boolean little;
    if (data[tiff] == 'I' && data[tiff + 1] == 'I') {
      little = true;
    } else if (data[tiff] == 'M' && data[tiff + 1] == 'M') {
      little = false;
    } else {
      return NORMAL;
    }
    if (u16(data, tiff + 2, little) != 42) {
      return NORMAL;
    }
    long ifd = tiff + u32(data, tiff + 4, little);
    if (ifd < tiff || ifd + 2 > end) {
      return NORMAL;
    }
    int entries = u16(data, (int) ifd, little);
    for (int i = 0; i < entries; i++) {
      long entry = ifd + 2 + 12L * i;
      if (entry + 12 > end) {
        return NORMAL;
      }
      int e = (int) entry;
      if (u16(data, e, little) == ORIENTATION_TAG) {
        int type = u16(data, e + 2, little);
        if (type != TYPE_SHORT || u32(data, e + 4, little) < 1) {
          return NORMAL;
        }
        int value = u16(data, e + 8, little);
        return value >= 1 && value <= 8 ? value : NORMAL;
      }
    }
    return NORMAL;
  }

  /** True when the orientation swaps width and height (5 to 8). */
  public static boolean swapsAxes(int orientation) {
    return orientation >= 5 && orientation <= 8;
  }

  /**
   * Applies an orientation to one interleaved {@code [h, w, channels]} plane; returns the source
   * itself for {@link #NORMAL}.
   */
  public static float[] apply(float[] src, int h, int w, int channels, int orientation, Parallel parallel) {
    if (orientation < 2 || orientation > 8) {
      return src;
    }
    boolean swap = swapsAxes(orientation);
    int outH = swap ? w : h;
    int outW = swap ? h : w;
    float[] out = new float[src.length];
    parallel.forRange(outH, (long) outW * channels, (from, to) -> {
      for (int y = from; y < to; y++) {
        for (int x = 0; x < outW; x++) {
          int sy;
          int sx;
          switch (orientation) {
            case 2 -> { sy = y; sx = w - 1 - x; }
            case 3 -> { sy = h - 1 - y; sx = w - 1 - x; }
            case 4 -> { sy = h - 1 - y; sx = x; }
            case 5 -> { sy = x; sx = y; }
            case 6 -> { sy = h - 1 - x; sx = y; }
            case 7 -> { sy = h - 1 - x; sx = w - 1 - y; }
            default -> { sy = x; sx = w - 1 - y; }
          }
          int si = (sy * w + sx) * channels;
          int di = (y * outW + x) * channels;
          for (int c = 0; c < channels; c++) {
            out[di + c] = src[si + c];
          }
        }
      }
    });
    return out;
  }

  private static int u16(byte[] d, int i, boolean little) {
    int a = d[i] & 0xFF;
    int b = d[i + 1] & 0xFF;
    return little ? a | b << 8 : a << 8 | b;
  }

  private static long u32(byte[] d, int i, boolean little) {
    long lo = u16(d, little ? i : i + 2, little);
    long hi = u16(d, little ? i + 2 : i, little);
    return hi << 16 | lo;
  }
}
