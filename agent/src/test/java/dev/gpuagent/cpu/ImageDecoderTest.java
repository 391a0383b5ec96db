package dev.gpuagent.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.engine.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Decoding against golden tensors that Pillow 9.4 produced through ComfyUI's LoadImage code
 * (agent/src/test/python/golden_load_image.py).
 */
class ImageDecoderTest {
  private static final Parallel PARALLEL = new Parallel(2);
  private static final ImageDecoder.SizeCheck ANY_SIZE = (w, h) -> {};

  static List<String> goldenFiles() throws IOException {
    List<String> names = new ArrayList<>();
    index().fieldNames().forEachRemaining(names::add);
    return names;
  }

  @ParameterizedTest
  @MethodSource("goldenFiles")
  void decodesLikeComfyUiLoadImage(String name) throws IOException {
    JsonNode entry = index().get(name);
    ImageDecoder.Decoded decoded = ImageDecoder.decode(resource("/images/" + name), ANY_SIZE, PARALLEL);
    String stem = "/golden/load_image/" + name.replace('.', '_');
    assertEquals(shape(entry.get("image"), 3), decoded.image().shape(), "image shape");
    assertEquals(shape(entry.get("mask"), 1), decoded.mask().shape(), "mask shape");
    // the JDK's libjpeg matches Pillow's libjpeg-turbo exactly on these files (both use the slow
    // integer IDCT and fancy upsampling); one level of slack keeps the test valid across JDK builds
    double tolerance = name.endsWith(".jpg") ? 1.5 / 255 : 0;
    assertClose(floats(resource(stem + ".image.bin")), decoded.image().data(), tolerance, name);
    if (entry.has("mask_zeros")) {
      assertArrayEquals(new float[64 * 64], decoded.mask().data(), name + " mask");
    } else {
      assertClose(floats(resource(stem + ".mask.bin")), decoded.mask().data(), 0, name + " mask");
    }
  }

  @Test
  void jpegOrientationSixRotatesClockwise() throws IOException {
    ImageDecoder.Decoded upright = ImageDecoder.decode(resource("/images/photo_exif1.jpg"), ANY_SIZE, PARALLEL);
    ImageDecoder.Decoded rotated = ImageDecoder.decode(resource("/images/photo_exif6.jpg"), ANY_SIZE, PARALLEL);
    CpuTensor a = upright.image();
    CpuTensor b = rotated.image();
    assertEquals(Shape.image(1, a.width(), a.height(), 3), b.shape());
    // rotating 90 degrees clockwise: output (y, x) is input (H - 1 - x, y)
    for (int y = 0; y < b.height(); y++) {
      for (int x = 0; x < b.width(); x++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(a.get(0, a.height() - 1 - x, y, c), b.get(0, y, x, c), 0f);
        }
      }
    }
  }

  @Test
  void sizeIsCheckedBeforePixelsAreDecoded() {
    byte[] bomb = pngHeaderOnly(100_000, 100_000);
    AtomicBoolean asked = new AtomicBoolean();
    IllegalStateException refused = assertThrows(IllegalStateException.class, () ->
        ImageDecoder.decode(bomb, (w, h) -> {
          asked.set(true);
          assertEquals(100_000, w);
          assertEquals(100_000, h);
          throw new IllegalStateException("too large");
        }, PARALLEL));
    assertTrue(asked.get());
    assertEquals("too large", refused.getMessage());
  }

  @Test
  void sizeCheckSeesTheOrientedSize() throws IOException {
    int[] seen = new int[2];
    ImageDecoder.decode(resource("/images/photo_exif6.jpg"), (w, h) -> {
      seen[0] = w;
      seen[1] = h;
    }, PARALLEL);
    assertArrayEquals(new int[] {12, 16}, seen);
  }

  @Test
  void garbageIsRefusedWithAReason() {
    IOException e = assertThrows(IOException.class,
        () -> ImageDecoder.decode("hello world".getBytes(), ANY_SIZE, PARALLEL));
    assertTrue(e.getMessage().contains("not a PNG or JPEG"), e.getMessage());
  }

  @Test
  void truncatedPngIsRefused() throws IOException {
    byte[] full = resource("/images/rgb8.png");
    byte[] cut = java.util.Arrays.copyOf(full, full.length - 30);
    assertThrows(IOException.class, () -> ImageDecoder.decode(cut, ANY_SIZE, PARALLEL));
  }

  @Test
  void headerOfATruncatedJpegIsRefused() {
    byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0x00, 0x40, 0x00};
    assertThrows(IOException.class, () -> ImageDecoder.decode(jpeg, ANY_SIZE, PARALLEL));
  }

  /** A PNG signature and a valid IHDR claiming the given size, and nothing else. */
  static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
        .put((byte) 0).put((byte) 0).put((byte) 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    out.writeBytes(ByteBuffer.allocate(4).putInt(13).array());
    byte[] typeAndData = ByteBuffer.allocate(17).put("IHDR".getBytes()).put(ihdr.array()).array();
    out.writeBytes(typeAndData);
    CRC32 crc = new CRC32();
    crc.update(typeAndData);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    return out.toByteArray();
  }

  private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
        throw new AssertionError(what + " element " + i + ": expected " + expected[i] + " (" + expected[i] * 255
            + "/255) but was " + actual[i] + " (" + actual[i] * 255 + "/255)");
      }
    }
  }

  private static Shape shape(JsonNode dims, int channels) {
    return dims.size() == 4
        ? Shape.image(dims.get(0).asInt(), dims.get(1).asInt(), dims.get(2).asInt(), dims.get(3).asInt())
        : new Shape(dims.get(0).asInt(), dims.get(1).asInt(), dims.get(2).asInt(), channels);
  }

  private static JsonNode index() throws IOException {
    return new ObjectMapper().readTree(resource("/golden/load_image/index.json"));
  }

  static byte[] resource(String path) throws IOException {
    try (InputStream in = ImageDecoderTest.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("missing test resource " + path);
      }
      return in.readAllBytes();
    }
  }

  private static float[] floats(byte[] bytes) {
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}
