package dev.gpuagent.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.engine.Shape;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.Adler32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

class PngEncoderTest {
  private static final Parallel PARALLEL = new Parallel(3);

  @Test
  void truncatesLikeNumpyAstypeAfterClip() {
    assertEquals(254, PngEncoder.toByte(0.999f));
    assertEquals(255, PngEncoder.toByte(1.2f));
    assertEquals(0, PngEncoder.toByte(-0.1f));
    assertEquals(255, PngEncoder.toByte(1f));
    assertEquals(0, PngEncoder.toByte(0f));
    assertEquals(127, PngEncoder.toByte(0.5f)); // 127.5 -> 127
    assertEquals(0, PngEncoder.toByte(0.0039f)); // 0.9945 -> 0
    assertEquals(1, PngEncoder.toByte(1f / 255f)); // float32 255 * (1/255) is exactly 1
    assertEquals(0, PngEncoder.toByte(Float.NaN));
    assertEquals(255, PngEncoder.toByte(Float.POSITIVE_INFINITY));
    assertEquals(0, PngEncoder.toByte(Float.NEGATIVE_INFINITY));
  }

  @Test
  void everyByteValueRoundTripsThroughItsOwnFloat() throws IOException {
    float[] data = new float[256 * 3];
    for (int i = 0; i < 256; i++) {
      for (int c = 0; c < 3; c++) {
        data[3 * i + c] = i / 255f;
      }
    }
    CpuTensor image = new CpuTensor(Shape.image(1, 16, 16, 3), data);
    Raster raster = decode(PngEncoder.encode(image, 0, 4, Map.of(), PARALLEL)).getRaster();
    for (int i = 0; i < 256; i++) {
      assertEquals(i, raster.getSample(i % 16, i / 16, 0), "value " + i);
    }
  }

  @Test
  void encodingQuantisedBytesGivesTheSameFileAsEncodingTheFloats() {
    CpuTensor images = random(2, 300, 7, 4, 12); // several strips of rows
    images.data()[5] = Float.NaN;
    images.data()[6] = 1.7f;
    int perImage = 300 * 7 * 4;
    byte[] pixels = new byte[2 * perImage];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) PngEncoder.toByte(images.data()[i]);
    }
    Map<String, String> text = Map.of("prompt", "{}");
    for (int b = 0; b < 2; b++) {
      assertEquals(java.util.HexFormat.of().formatHex(PngEncoder.encode(images, b, 4, text, PARALLEL)),
          java.util.HexFormat.of().formatHex(PngEncoder.encode(pixels, b * perImage, 7, 300, 4, 4, text, PARALLEL)));
    }
    assertThrows(IllegalArgumentException.class,
        () -> PngEncoder.encode(pixels, perImage + 1, 7, 300, 4, 4, text, PARALLEL));
  }

  @Test
  void rgbRoundTripIsExact() throws IOException {
    CpuTensor image = random(1, 37, 29, 3, 11);
    assertPixelsEqual(image, 0, decode(PngEncoder.encode(image, 0, 4, Map.of(), PARALLEL)));
  }

  @Test
  void rgbaGreyAndGreyAlphaRoundTrip() throws IOException {
    for (int channels = 1; channels <= 4; channels++) {
      CpuTensor image = random(1, 9, 13, channels, channels);
      assertPixelsEqual(image, 0, decode(PngEncoder.encode(image, 0, 1, Map.of(), PARALLEL)));
    }
  }

  @Test
  void picksTheRequestedImageOfABatch() throws IOException {
    CpuTensor batch = random(3, 5, 6, 3, 5);
    for (int b = 0; b < 3; b++) {
      assertPixelsEqual(batch, b, decode(PngEncoder.encode(batch, b, 4, Map.of(), PARALLEL)));
    }
  }

  @Test
  void imageOfManyStripsRoundTrips() throws IOException {
    // 1000 rows of 1201 filtered bytes: several strips, deflated by several threads and stitched
    CpuTensor image = gradientWithNoise(1000, 400);
    assertTrue(1000L * 1201 > 2L * PngEncoder.STRIP_BYTES);
    for (int level : new int[] {0, 1, 4, 9}) {
      assertPixelsEqual(image, 0, decode(PngEncoder.encode(image, 0, level, Map.of(), PARALLEL)));
    }
  }

  @Test
  void oneByOneImage() throws IOException {
    CpuTensor image = new CpuTensor(Shape.image(1, 1, 1, 3), new float[] {0.2f, 0.6f, 1.5f});
    Raster raster = decode(PngEncoder.encode(image, 0, 4, Map.of(), PARALLEL)).getRaster();
    assertEquals(51, raster.getSample(0, 0, 0));
    assertEquals(153, raster.getSample(0, 0, 1));
    assertEquals(255, raster.getSample(0, 0, 2));
  }

  @Test
  void textChunksAreReadable() throws IOException {
    Map<String, String> text = new LinkedHashMap<>();
    text.put("prompt", "{\"1\": {\"class_type\": \"SaveImage\"}}");
    text.put("note", "caf\u00e9 \u65e5\u672c"); // not Latin-1: written as iTXt
    byte[] png = PngEncoder.encode(random(1, 4, 4, 3, 1), 0, 4, text, PARALLEL);
    Map<String, String> read = readText(png);
    assertEquals("{\"1\": {\"class_type\": \"SaveImage\"}}", read.get("tEXt:prompt"));
    assertEquals("caf\u00e9 \u65e5\u672c", read.get("iTXt:note"));
  }

  @Test
  void adlerCombineMatchesASinglePass() {
    byte[] data = new byte[200_003];
    new SplittableRandom(3).nextBytes(data);
    Adler32 whole = new Adler32();
    whole.update(data);
    for (int split : new int[] {0, 1, 65521, 100_000, 200_003}) {
      Adler32 a = new Adler32();
      a.update(data, 0, split);
      Adler32 b = new Adler32();
      b.update(data, split, data.length - split);
      assertEquals(whole.getValue(), PngEncoder.combineAdler(a.getValue(), b.getValue(), data.length - split));
    }
  }

  @Test
  void refusesUnsupportedChannelCounts() {
    assertThrows(IllegalArgumentException.class,
        () -> PngEncoder.encode(random(1, 2, 2, 5, 1), 0, 4, Map.of(), PARALLEL));
  }

  static CpuTensor random(int b, int h, int w, int c, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[b * h * w * c];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (random.nextDouble() * 1.2 - 0.1); // some values outside 0..1
    }
    return new CpuTensor(Shape.image(b, h, w, c), data);
  }

  static CpuTensor gradientWithNoise(int h, int w) {
    SplittableRandom random = new SplittableRandom(9);
    float[] data = new float[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          data[(y * w + x) * 3 + c] = (x + y * (c + 1)) / (float) (w + 3 * h) + (float) random.nextDouble() * 0.05f;
        }
      }
    }
    return new CpuTensor(Shape.image(1, h, w, 3), data);
  }

  /** Compares decoded samples with the independent rule clip(255 x) truncated, written out here. */
  private static void assertPixelsEqual(CpuTensor image, int b, BufferedImage decoded) {
    Raster raster = decoded.getRaster();
    assertEquals(image.width(), raster.getWidth());
    assertEquals(image.height(), raster.getHeight());
    assertEquals(image.channels(), raster.getNumBands());
    for (int y = 0; y < image.height(); y++) {
      for (int x = 0; x < image.width(); x++) {
        for (int c = 0; c < image.channels(); c++) {
          float v = 255f * image.get(b, y, x, c);
          int expected = (int) Math.max(0f, Math.min(255f, v));
          assertEquals(expected, raster.getSample(x, y, c), "pixel " + x + "," + y + " channel " + c);
        }
      }
    }
  }

  static BufferedImage decode(byte[] png) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    if (image == null) {
      throw new IOException("ImageIO could not read the PNG");
    }
    return image;
  }

  /** Text chunks as "tEXt:key" / "iTXt:key" to value, read through ImageIO's native PNG metadata. */
  static Map<String, String> readText(byte[] png) throws IOException {
    ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
    try (var in = new MemoryCacheImageInputStream(new ByteArrayInputStream(png))) {
      reader.setInput(in);
      IIOMetadata metadata = reader.getImageMetadata(0);
      Node root = metadata.getAsTree("javax_imageio_png_1.0");
      Map<String, String> out = new LinkedHashMap<>();
      for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n.getNodeName().equals("tEXt") || n.getNodeName().equals("iTXt")) {
          for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
            var attrs = e.getAttributes();
            String key = attrs.getNamedItem("keyword").getNodeValue();
            String value = attrs.getNamedItem(n.getNodeName().equals("tEXt") ? "value" : "text").getNodeValue();
            out.put(n.getNodeName() + ":" + key, value);
          }
        }
      }
      return out;
    } finally {
      reader.dispose();
    }
  }
}
