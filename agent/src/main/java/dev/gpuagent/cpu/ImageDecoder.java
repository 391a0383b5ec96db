package dev.gpuagent.cpu;

import dev.gpuagent.engine.Shape;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG and JPEG files into ComfyUI's LoadImage tensors: IMAGE = RGB / 255 as
 * {@code [1,H,W,3]}, MASK = 1 - alpha / 255 as {@code [1,H,W]}, or zeros {@code [1,64,64]} when the
 * image has no alpha. Pixels come from javax.imageio; how they become RGB and alpha follows what
 * Pillow does for ComfyUI (nodes.py {@code LoadImage.load_image}):
 * <ul>
 *   <li>the EXIF orientation (JPEG APP1, PNG eXIf) is applied as {@code ImageOps.exif_transpose};
 *   <li>16-bit RGB, RGBA and grey+alpha keep the high byte of each sample (Pillow's {@code ;16B}
 *       unpackers); 16-bit grey opens in Pillow's mode {@code I} and ComfyUI scales it by 1/255, so
 *       a sample v becomes {@code min(255, (int) (v * (1.0 / 255)))};
 *   <li>1-, 2- and 4-bit grey are scaled to 0..255 (255, 85, 17 per step);
 *   <li>tRNS gives a mask only for palette images (ComfyUI's {@code P} + {@code transparency} rule);
 *       grey or RGB images with a tRNS colour key get the zero mask, as in ComfyUI.
 * </ul>
 */
public final class ImageDecoder {
  /** The mask ComfyUI returns for an image without alpha. */
  static final int PLACEHOLDER_MASK_SIDE = 64;

  /** Refuses an image by its oriented size before any pixel memory is allocated. */
  @FunctionalInterface
  public interface SizeCheck {
    void check(int width, int height);
  }

  /** LoadImage's two outputs. */
  public record Decoded(CpuTensor image, CpuTensor mask) {}

  private ImageDecoder() {}

  /** Decodes a PNG or JPEG file; IOException names what is wrong with the data. */
  public static Decoded decode(byte[] data, SizeCheck sizeCheck, Parallel parallel) throws IOException {
    ImageHeader header = ImageHeader.read(data);
    sizeCheck.check(header.orientedWidth(), header.orientedHeight());
    Raster raster = readRaster(data, header);
    int w = header.width();
    int h = header.height();
    if (raster.getWidth() != w || raster.getHeight() != h) {
      throw new IOException("decoded size " + raster.getWidth() + "x" + raster.getHeight()
          + " differs from the header's " + w + "x" + h);
    }
    boolean hasAlpha = hasAlpha(header);
    float[] rgb = new float[w * h * 3];
    float[] alpha = hasAlpha ? new float[w * h] : null;
    RowConverter converter = converter(header, raster.getNumBands());
    parallel.forRange(h, (long) w * 4, (from, to) -> {
      int[] samples = new int[w * raster.getNumBands()];
      int[] rgba = new int[w * 4];
      for (int y = from; y < to; y++) {
        raster.getPixels(0, y, w, 1, samples);
        converter.convert(samples, w, rgba);
        int base = y * w;
        for (int x = 0; x < w; x++) {
          int o = (base + x) * 3;
          rgb[o] = rgba[4 * x] / 255f;
          rgb[o + 1] = rgba[4 * x + 1] / 255f;
          rgb[o + 2] = rgba[4 * x + 2] / 255f;
        }
        if (alpha != null) {
          for (int x = 0; x < w; x++) {
            alpha[base + x] = 1f - rgba[4 * x + 3] / 255f;
          }
        }
      }
    });
    int orientation = header.orientation();
    int outH = header.orientedHeight();
    int outW = header.orientedWidth();
    CpuTensor image = new CpuTensor(Shape.image(1, outH, outW, 3),
        ExifOrientation.apply(rgb, h, w, 3, orientation, parallel));
    CpuTensor mask = alpha == null
        ? CpuTensor.allocate(Shape.mask(1, PLACEHOLDER_MASK_SIDE, PLACEHOLDER_MASK_SIDE))
        : new CpuTensor(Shape.mask(1, outH, outW), ExifOrientation.apply(alpha, h, w, 1, orientation, parallel));
    return new Decoded(image, mask);
  }

  private static boolean hasAlpha(ImageHeader header) {
    if (header.format() != ImageHeader.Format.PNG) {
      return false;
    }
    return switch (header.colorType()) {
      case ImageHeader.GRAY_ALPHA, ImageHeader.RGBA -> true;
      case ImageHeader.PALETTE -> header.transparency() != null;
      default -> false;
    };
  }

  private static Raster readRaster(byte[] data, ImageHeader header) throws IOException {
    String format = header.format() == ImageHeader.Format.PNG ? "png" : "jpeg";
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    if (!readers.hasNext()) {
      throw new IOException("no " + format + " decoder available");
    }
    ImageReader reader = readers.next();
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
      reader.setInput(in, true, true);
      BufferedImage image = reader.read(0);
      return image.getRaster();
    } catch (IOException | RuntimeException e) {
      String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (header.format() == ImageHeader.Format.JPEG && header.colorType() == 4) {
        detail = "CMYK/YCCK JPEG images are not supported (" + detail + ")";
      }
      throw new IOException("cannot decode " + format.toUpperCase(java.util.Locale.ROOT) + " data: " + detail, e);
    } finally {
      reader.dispose();
    }
  }

  /** Turns one row of raster samples into 8-bit RGBA as Pillow would hand it to ComfyUI. */
  @FunctionalInterface
  private interface RowConverter {
    void convert(int[] samples, int width, int[] rgba);
  }

  private static RowConverter converter(ImageHeader header, int bands) throws IOException {
    if (header.format() == ImageHeader.Format.JPEG) {
      if (bands == 1) {
        return grey(bands, v -> v);
      }
      if (bands == 3) {
        return colour(bands, false, v -> v);
      }
      throw new IOException("unsupported JPEG with " + bands + " colour components");
    }
    int depth = header.bitDepth();
    SampleMap high = depth == 16 ? v -> v >>> 8 : v -> v;
    return switch (header.colorType()) {
      case ImageHeader.GRAY -> grey(bands, switch (depth) {
        case 16 -> v -> Math.min(255, (int) (v * (1.0 / 255)));
        case 8 -> v -> v;
        default -> scaleUp(depth);
      });
      case ImageHeader.RGB -> colour(bands, false, high);
      case ImageHeader.RGBA -> colour(bands, true, high);
      case ImageHeader.GRAY_ALPHA -> greyAlpha(bands, high);
      case ImageHeader.PALETTE -> palette(bands, header.palette(), header.transparency());
      default -> throw new IOException("unsupported PNG colour type " + header.colorType());
    };
  }

  @FunctionalInterface
  private interface SampleMap {
    int map(int sample);
  }

  /** 1-, 2- and 4-bit grey levels stretched to 0..255 as Pillow's L;1, L;2 and L;4 unpackers do. */
  private static SampleMap scaleUp(int depth) {
    int factor = 255 / ((1 << depth) - 1);
    return v -> v * factor;
  }

  private static RowConverter grey(int bands, SampleMap map) {
    return (s, w, out) -> {
      for (int x = 0; x < w; x++) {
        int v = map.map(s[x * bands]);
        out[4 * x] = v;
        out[4 * x + 1] = v;
        out[4 * x + 2] = v;
        out[4 * x + 3] = 255;
      }
    };
  }

  private static RowConverter greyAlpha(int bands, SampleMap map) throws IOException {
    if (bands < 2) {
      throw new IOException("grey+alpha PNG decoded without its alpha band");
    }
    return (s, w, out) -> {
      for (int x = 0; x < w; x++) {
        int v = map.map(s[x * bands]);
        out[4 * x] = v;
        out[4 * x + 1] = v;
        out[4 * x + 2] = v;
        out[4 * x + 3] = map.map(s[x * bands + 1]);
      }
    };
  }

  private static RowConverter colour(int bands, boolean withAlpha, SampleMap map) throws IOException {
    if (bands < (withAlpha ? 4 : 3)) {
      throw new IOException("colour image decoded with " + bands + " bands");
    }
    return (s, w, out) -> {
      for (int x = 0; x < w; x++) {
        int i = x * bands;
        out[4 * x] = map.map(s[i]);
        out[4 * x + 1] = map.map(s[i + 1]);
        out[4 * x + 2] = map.map(s[i + 2]);
        out[4 * x + 3] = withAlpha ? map.map(s[i + 3]) : 255;
      }
    };
  }

  /** Palette indices through PLTE (missing entries black) and tRNS (missing entries opaque). */
  private static RowConverter palette(int bands, byte[] plte, byte[] trns) throws IOException {
    if (bands != 1) {
      throw new IOException("palette PNG decoded with " + bands + " bands");
    }
    int[] table = new int[256 * 4];
    for (int i = 0; i < 256; i++) {
      if (3 * i + 2 < plte.length) {
        table[4 * i] = plte[3 * i] & 0xFF;
        table[4 * i + 1] = plte[3 * i + 1] & 0xFF;
        table[4 * i + 2] = plte[3 * i + 2] & 0xFF;
      }
      table[4 * i + 3] = trns != null && i < trns.length ? trns[i] & 0xFF : 255;
    }
    return (s, w, out) -> {
      for (int x = 0; x < w; x++) {
        int t = 4 * (s[x] & 0xFF);
        out[4 * x] = table[t];
        out[4 * x + 1] = table[t + 1];
        out[4 * x + 2] = table[t + 2];
        out[4 * x + 3] = table[t + 3];
      }
    };
  }
}
