package dev.gpuagent.cpu;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes one image of a batch as an 8-bit PNG the way ComfyUI's SaveImage does:
 * {@code clip(255 * x, 0, 255)} truncated to uint8 (numpy's {@code astype} after {@code clip}), with
 * text chunks (the workflow under {@code prompt}).
 *
 * <p>The image is cut into strips of rows that threads quantise, filter and deflate independently;
 * each strip but the last ends with a sync flush, so the raw deflate segments concatenate into one
 * zlib stream (pigz's method), and the strips' Adler-32 checksums are combined. Rows use adaptive
 * filtering (the filter with the smallest sum of absolute values, libpng's heuristic).
 */
public final class PngEncoder {
  /** ComfyUI's SaveImage {@code compress_level}. */
  public static final int SAVE_LEVEL = 4;
  /** ComfyUI's PreviewImage {@code compress_level}. */
  public static final int PREVIEW_LEVEL = 1;

  /** Filtered bytes per strip; large enough that a strip boundary costs little compression. */
  static final int STRIP_BYTES = 512 * 1024;

  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final int ADLER_BASE = 65521;

  private PngEncoder() {}

  /**
   * Encodes image {@code index} of a {@code [B,H,W,C]} tensor (C = 1 grey, 2 grey+alpha, 3 RGB,
   * 4 RGBA).
   *
   * @param level the deflate level, 0..9
   * @param text keyword to text; written as tEXt, or iTXt when the text is not Latin-1
   */
  public static byte[] encode(CpuTensor images, int index, int level, Map<String, String> text, Parallel parallel) {
    if (index < 0 || index >= images.batch()) {
      throw new IllegalArgumentException("image " + index + " of a batch of " + images.batch());
    }
    float[] data = images.data();
    int rowBytes = images.width() * images.channels();
    int planeOffset = index * images.height() * rowBytes;
    return encode(images.width(), images.height(), images.channels(), level, text, parallel,
        (y, row) -> quantizeRow(data, planeOffset + y * rowBytes, row));
  }

  /**
   * Encodes {@code h} rows of {@code w} pixels of {@code c} channels already quantised to bytes
   * (the CUDA backend's uint8 kernel output), starting at {@code offset} of {@code pixels}.
   */
  public static byte[] encode(byte[] pixels, int offset, int w, int h, int c, int level, Map<String, String> text,
      Parallel parallel) {
    int rowBytes = w * c;
    if (offset < 0 || (long) offset + (long) h * rowBytes > pixels.length) {
      throw new IllegalArgumentException(w + "x" + h + "x" + c + " pixels at " + offset + " of " + pixels.length
          + " bytes");
    }
    return encode(w, h, c, level, text, parallel,
        (y, row) -> System.arraycopy(pixels, offset + y * rowBytes, row, 0, rowBytes));
  }

  /** Supplies row {@code y} of the image as bytes. */
  @FunctionalInterface
  private interface RowSource {
    void row(int y, byte[] row);
  }

  private static byte[] encode(int w, int h, int c, int level, Map<String, String> text, Parallel parallel,
      RowSource rows) {
    int colorType = switch (c) {
      case 1 -> 0;
      case 2 -> 4;
      case 3 -> 2;
      case 4 -> 6;
      default -> throw new IllegalArgumentException("cannot write a PNG with " + c + " channels");
    };
    if (level < 0 || level > 9) {
      throw new IllegalArgumentException("deflate level " + level);
    }
    int rowBytes = w * c;
    long filteredRow = rowBytes + 1L;
    int rowsPerStrip = (int) Math.max(1, Math.min(h, STRIP_BYTES / filteredRow));
    int strips = (h + rowsPerStrip - 1) / rowsPerStrip;
    byte[][] segments = new byte[strips][];
    long[] adlers = new long[strips];
    parallel.forRange(strips, rowsPerStrip * filteredRow, (from, to) -> {
      for (int s = from; s < to; s++) {
        int y0 = s * rowsPerStrip;
        int y1 = Math.min(h, y0 + rowsPerStrip);
        byte[] filtered = filterRows(rows, w, c, y0, y1);
        Adler32 adler = new Adler32();
        adler.update(filtered);
        adlers[s] = adler.getValue();
        segments[s] = deflate(filtered, level, s == strips - 1);
      }
    });
    long adler = 1;
    for (int s = 0; s < strips; s++) {
      int len = (int) Math.min(rowsPerStrip, h - (long) s * rowsPerStrip) * (int) filteredRow;
      adler = s == 0 ? adlers[0] : combineAdler(adler, adlers[s], len);
    }

    long total = SIGNATURE.length + 25 + 12;
    for (byte[] seg : segments) {
      total += seg.length + 12;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, total + 6 + 256));
    out.writeBytes(SIGNATURE);
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, w);
    putInt(ihdr, 4, h);
    ihdr[8] = 8;
    ihdr[9] = (byte) colorType;
    chunk(out, "IHDR", ihdr);
    for (Map.Entry<String, String> e : text.entrySet()) {
      textChunk(out, e.getKey(), e.getValue());
    }
    byte[] zlibHeader = zlibHeader(level);
    byte[] adlerBytes = new byte[4];
    putInt(adlerBytes, 0, (int) adler);
    for (int s = 0; s < strips; s++) {
      byte[] head = s == 0 ? zlibHeader : new byte[0];
      byte[] tail = s == strips - 1 ? adlerBytes : new byte[0];
      chunk(out, "IDAT", head, segments[s], tail);
    }
    chunk(out, "IEND");
    return out.toByteArray();
  }

  /** {@code clip(255 * x, 0, 255)} truncated toward zero, in float32 as numpy computes it; NaN gives 0. */
  public static int toByte(float x) {
    return (int) Math.min(Math.max(255f * x, 0f), 255f);
  }

  /** Quantises rows [y0, y1) and filters each, reading row y0 - 1 as the previous row. */
  private static byte[] filterRows(RowSource rows, int w, int c, int y0, int y1) {
    int rowBytes = w * c;
    byte[] out = new byte[(y1 - y0) * (rowBytes + 1)];
    byte[] prev = new byte[rowBytes];
    byte[] cur = new byte[rowBytes];
    if (y0 > 0) {
      rows.row(y0 - 1, prev);
    }
    byte[][] candidates = new byte[5][rowBytes];
    for (int y = y0; y < y1; y++) {
      rows.row(y, cur);
      int type = chooseFilter(cur, prev, c, candidates);
      int o = (y - y0) * (rowBytes + 1);
      out[o] = (byte) type;
      System.arraycopy(candidates[type], 0, out, o + 1, rowBytes);
      byte[] t = prev;
      prev = cur;
      cur = t;
    }
    return out;
  }

  private static void quantizeRow(float[] data, int offset, byte[] row) {
    for (int i = 0; i < row.length; i++) {
      row[i] = (byte) (int) Math.min(Math.max(255f * data[offset + i], 0f), 255f);
    }
  }

  /**
   * Fills all five filtered versions of a row and returns the type with the least sum of absolute
   * (signed) bytes. One simple loop per filter, so that the JIT can vectorise them.
   */
  private static int chooseFilter(byte[] cur, byte[] prev, int bpp, byte[][] f) {
    int n = cur.length;
    int head = Math.min(bpp, n);
    byte[] none = f[0];
    byte[] sub = f[1];
    byte[] up = f[2];
    byte[] avg = f[3];
    byte[] paeth = f[4];
    System.arraycopy(cur, 0, none, 0, n);
    for (int i = 0; i < n; i++) {
      up[i] = (byte) (cur[i] - prev[i]);
    }
    for (int i = 0; i < head; i++) {
      sub[i] = cur[i];
      avg[i] = (byte) (cur[i] - ((prev[i] & 0xFF) >>> 1));
      paeth[i] = (byte) (cur[i] - prev[i]);
    }
    for (int i = head; i < n; i++) {
      sub[i] = (byte) (cur[i] - cur[i - bpp]);
    }
    for (int i = head; i < n; i++) {
      avg[i] = (byte) (cur[i] - (((cur[i - bpp] & 0xFF) + (prev[i] & 0xFF)) >>> 1));
    }
    for (int i = head; i < n; i++) {
      int a = cur[i - bpp] & 0xFF;
      int b = prev[i] & 0xFF;
      int c = prev[i - bpp] & 0xFF;
      int pa = Math.abs(b - c);
      int pb = Math.abs(a - c);
      int pc = Math.abs(a + b - 2 * c);
      int pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      paeth[i] = (byte) (cur[i] - pred);
    }
    int best = 0;
    long bestSum = Long.MAX_VALUE;
    for (int t = 0; t < 5; t++) {
      long sum = sumAbs(f[t], n);
      if (sum < bestSum) {
        best = t;
        bestSum = sum;
      }
    }
    return best;
  }

  private static long sumAbs(byte[] row, int n) {
    long sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.abs(row[i]);
    }
    return sum;
  }

  /** Raw deflate of one strip; non-final strips end on a byte boundary (sync flush), the last one finishes. */
  private static byte[] deflate(byte[] input, int level, boolean last) {
    Deflater deflater = new Deflater(level, true);
    try {
      deflater.setInput(input);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, input.length / 2));
      byte[] buf = new byte[64 * 1024];
      if (last) {
        deflater.finish();
        while (!deflater.finished()) {
          int n = deflater.deflate(buf);
          out.write(buf, 0, n);
        }
      } else {
        int n;
        do {
          n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
          out.write(buf, 0, n);
        } while (n == buf.length);
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  /** zlib's adler32_combine: the checksum of A followed by B from those of A and B and B's length. */
  static long combineAdler(long adlerA, long adlerB, long lengthB) {
    long rem = lengthB % ADLER_BASE;
    long sum1 = adlerA & 0xFFFF;
    long sum2 = rem * sum1 % ADLER_BASE;
    sum1 += (adlerB & 0xFFFF) + ADLER_BASE - 1;
    sum2 += ((adlerA >>> 16) & 0xFFFF) + ((adlerB >>> 16) & 0xFFFF) + ADLER_BASE - rem;
    if (sum1 >= ADLER_BASE) {
      sum1 -= ADLER_BASE;
    }
    if (sum1 >= ADLER_BASE) {
      sum1 -= ADLER_BASE;
    }
    if (sum2 >= (long) ADLER_BASE << 1) {
      sum2 -= (long) ADLER_BASE << 1;
    }
    if (sum2 >= ADLER_BASE) {
      sum2 -= ADLER_BASE;
    }
    return sum1 | sum2 << 16;
  }

  /** CMF/FLG as zlib writes them for the level (FLEVEL 0 fastest .. 3 maximum). */
  private static byte[] zlibHeader(int level) {
    int flevel = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
    int cmf = 0x78;
    int flg = flevel << 6;
    flg += 31 - ((cmf << 8) + flg) % 31;
    return new byte[] {(byte) cmf, (byte) flg};
  }

  private static void textChunk(ByteArrayOutputStream out, String keyword, String text) {
    if (keyword.isEmpty() || keyword.length() > 79 || !latin1(keyword)) {
      throw new IllegalArgumentException("invalid PNG text keyword '" + keyword + "'");
    }
    byte[] key = keyword.getBytes(StandardCharsets.ISO_8859_1);
    if (latin1(text)) {
      chunk(out, "tEXt", key, new byte[1], text.getBytes(StandardCharsets.ISO_8859_1));
    } else {
      // keyword, NUL, compression flag 0, method 0, empty language tag, empty translated keyword
      chunk(out, "iTXt", key, new byte[5], text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static boolean latin1(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0xFF) {
        return false;
      }
    }
    return true;
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[]... parts) {
    long length = 0;
    for (byte[] p : parts) {
      length += p.length;
    }
    if (length > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("PNG chunk " + type + " too large");
    }
    byte[] header = new byte[8];
    putInt(header, 0, (int) length);
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(typeBytes, 0, header, 4, 4);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    out.writeBytes(header);
    for (byte[] p : parts) {
      crc.update(p);
      out.writeBytes(p);
    }
    byte[] crcBytes = new byte[4];
    putInt(crcBytes, 0, (int) crc.getValue());
    out.writeBytes(crcBytes);
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
