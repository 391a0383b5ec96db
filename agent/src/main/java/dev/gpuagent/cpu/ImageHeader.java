package dev.gpuagent.cpu;

import java.io.IOException;

/**
 * What an image file says about itself before any pixel is decoded: format, size, PNG colour type
 * and bit depth, palette and transparency, EXIF orientation. Read by walking PNG chunks or JPEG
 * markers without inflating or decoding anything, so that a decompression bomb is refused for the
 * price of reading its header.
 *
 * @param width stored width (before the EXIF orientation is applied)
 * @param height stored height
 * @param colorType PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA); for JPEG the
 *     number of components
 * @param bitDepth bits per sample
 * @param palette PNG PLTE entries (RGB triples), or null
 * @param transparency PNG tRNS data, or null
 * @param orientation EXIF orientation 1..8 ({@link ExifOrientation#NORMAL} when absent)
 */
public record ImageHeader(Format format, int width, int height, int colorType, int bitDepth,
    byte[] palette, byte[] transparency, int orientation) {

  /** The formats LoadImage reads. */
  public enum Format { PNG, JPEG }

  static final int GRAY = 0;
  static final int RGB = 2;
  static final int PALETTE = 3;
  static final int GRAY_ALPHA = 4;
  static final int RGBA = 6;

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  /** Width and height after the EXIF orientation is applied. */
  public int orientedWidth() {
    return ExifOrientation.swapsAxes(orientation) ? height : width;
  }

  public int orientedHeight() {
    return ExifOrientation.swapsAxes(orientation) ? width : height;
  }

  /** Reads the header of a PNG or JPEG file. */
  public static ImageHeader read(byte[] data) throws IOException {
    if (startsWith(data, PNG_SIGNATURE)) {
      return png(data);
    }
    if (data.length >= 3 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8 && (data[2] & 0xFF) == 0xFF) {
      return jpeg(data);
    }
    throw new IOException("not a PNG or JPEG image (" + data.length + " bytes"
        + (data.length == 0 ? ")" : ", starting " + hexPrefix(data) + ")"));
  }

  private static ImageHeader png(byte[] data) throws IOException {
    int pos = PNG_SIGNATURE.length;
    int width = -1;
    int height = -1;
    int bitDepth = 0;
    int colorType = 0;
    byte[] palette = null;
    byte[] transparency = null;
    int orientation = ExifOrientation.NORMAL;
    boolean first = true;
    while (pos + 8 <= data.length) {
      long length = u32(data, pos);
      String type = new String(data, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
      int start = pos + 8;
      if (length > data.length - start) {
        if (type.equals("IDAT") && width > 0) {
          break; // truncated pixel data: let the decoder report it
        }
        throw new IOException("truncated PNG: chunk " + type + " runs past the end of the file");
      }
      if (first && !type.equals("IHDR")) {
        throw new IOException("invalid PNG: the first chunk is " + type + ", not IHDR");
      }
      first = false;
      int len = (int) length;
      switch (type) {
        case "IHDR" -> {
          if (len < 13) {
            throw new IOException("invalid PNG: IHDR is " + len + " bytes");
          }
          long w = u32(data, start);
          long h = u32(data, start + 4);
          if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw new IOException("invalid PNG: image size " + w + "x" + h);
          }
          width = (int) w;
          height = (int) h;
          bitDepth = data[start + 8] & 0xFF;
          colorType = data[start + 9] & 0xFF;
          checkDepth(colorType, bitDepth);
        }
        case "PLTE" -> palette = java.util.Arrays.copyOfRange(data, start, start + len);
        case "tRNS" -> transparency = java.util.Arrays.copyOfRange(data, start, start + len);
        case "eXIf" -> orientation = ExifOrientation.parse(data, start, len);
        default -> { }
      }
      if (type.equals("IEND")) {
        break;
      }
      pos = start + len + 4; // data and CRC
    }
    if (width < 0) {
      throw new IOException("invalid PNG: no IHDR chunk");
    }
    if (colorType == PALETTE && palette == null) {
      throw new IOException("invalid PNG: palette image without a PLTE chunk");
    }
    return new ImageHeader(Format.PNG, width, height, colorType, bitDepth, palette, transparency, orientation);
  }

  private static void checkDepth(int colorType, int bitDepth) throws IOException {
    boolean ok = switch (colorType) {
      case GRAY -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
      case PALETTE -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
      case RGB, GRAY_ALPHA, RGBA -> bitDepth == 8 || bitDepth == 16;
      default -> false;
    };
    if (!ok) {
      throw new IOException("invalid PNG: colour type " + colorType + " with bit depth " + bitDepth);
    }
  }

  private static ImageHeader jpeg(byte[] data) throws IOException {
    int pos = 2;
    int orientation = ExifOrientation.NORMAL;
    boolean exifSeen = false;
    while (pos < data.length) {
      if ((data[pos] & 0xFF) != 0xFF) {
        throw new IOException("invalid JPEG: expected a marker at byte " + pos);
      }
      while (pos < data.length && (data[pos] & 0xFF) == 0xFF) {
        pos++; // fill bytes
      }
      if (pos >= data.length) {
        break;
      }
      int marker = data[pos++] & 0xFF;
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
        continue; // standalone markers
      }
      if (marker == 0xD9 || marker == 0xDA) {
        break; // end of image or start of scan before any frame header
      }
      if (pos + 2 > data.length) {
        break;
      }
      int length = (data[pos] & 0xFF) << 8 | (data[pos + 1] & 0xFF);
      if (length < 2 || pos + length > data.length) {
        throw new IOException("truncated JPEG: segment 0x" + Integer.toHexString(marker) + " runs past the end");
      }
      int body = pos + 2;
      int bodyLength = length - 2;
      if (marker == 0xE1 && !exifSeen && bodyLength >= 6 && data[body] == 'E' && data[body + 1] == 'x'
          && data[body + 2] == 'i' && data[body + 3] == 'f' && data[body + 4] == 0 && data[body + 5] == 0) {
        exifSeen = true; // Pillow keeps the first Exif segment
        orientation = ExifOrientation.parse(data, body, bodyLength);
      }
      if (isStartOfFrame(marker)) {
        if (bodyLength < 6) {
          throw new IOException("invalid JPEG: frame header of " + bodyLength + " bytes");
        }
        int precision = data[body] & 0xFF;
        int height = (data[body + 1] & 0xFF) << 8 | (data[body + 2] & 0xFF);
        int width = (data[body + 3] & 0xFF) << 8 | (data[body + 4] & 0xFF);
        int components = data[body + 5] & 0xFF;
        if (width == 0 || height == 0) {
          throw new IOException("unsupported JPEG: image size " + width + "x" + height + " in the frame header");
        }
        return new ImageHeader(Format.JPEG, width, height, components, precision, null, null, orientation);
      }
      pos += length;
    }
    throw new IOException("invalid JPEG: no frame header found");
  }

  private static boolean isStartOfFrame(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String hexPrefix(byte[] data) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, data.length); i++) {
      sb.append(String.format("%02x", data[i] & 0xFF));
    }
    return sb.toString();
  }

  private static long u32(byte[] d, int i) {
    return (d[i] & 0xFFL) << 24 | (d[i + 1] & 0xFFL) << 16 | (d[i + 2] & 0xFFL) << 8 | (d[i + 3] & 0xFFL);
  }
}
