package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.InputResolver;
import dev.gpuagent.engine.LocalInputs;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.workflow.WorkflowLimits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadImageTest {
  @TempDir Path input;

  private static Object[] load(InputResolver inputs, String reference) {
    return ImageNodeRuns.run("LoadImage", inputs, "image", reference);
  }

  private static CpuTensor t(Object o) {
    return CpuTensor.of((Tensor) o);
  }

  @Test
  void rgbPngGivesRgbOver255AndThePlaceholderMask() throws IOException {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xFF0000);
    img.setRGB(1, 0, 0x00FF80);
    img.setRGB(2, 1, 0x010203);
    Files.write(input.resolve("rgb.png"), png(img));
    Object[] out = load(LocalInputs.folder(input), "rgb.png");
    CpuTensor image = t(out[0]);
    assertEquals(Shape.image(1, 2, 3, 3), image.shape());
    assertEquals(1f, image.get(0, 0, 0, 0));
    assertEquals(0f, image.get(0, 0, 0, 1));
    assertEquals(128 / 255f, image.get(0, 0, 1, 2));
    assertEquals(1 / 255f, image.get(0, 1, 2, 0));
    assertEquals(3 / 255f, image.get(0, 1, 2, 2));
    CpuTensor mask = t(out[1]);
    assertEquals(Shape.mask(1, 64, 64), mask.shape());
    for (float v : mask.data()) {
      assertEquals(0f, v);
    }
  }

  @Test
  void alphaBecomesOneMinusAlphaMask() throws IOException {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, 0x00FFFFFF); // fully transparent white
    img.setRGB(1, 0, 0x40102030); // alpha 64
    Object[] out = load(dataUrl(png(img)));
    CpuTensor image = t(out[0]);
    CpuTensor mask = t(out[1]);
    assertEquals(Shape.image(1, 1, 2, 3), image.shape());
    assertEquals(Shape.mask(1, 1, 2), mask.shape());
    assertEquals(1f, mask.get(0, 0, 0, 0));
    assertEquals(1f - 64 / 255f, mask.get(0, 0, 1, 0));
    assertEquals(1f, image.get(0, 0, 0, 0)); // colour kept under zero alpha
    assertEquals(0x10 / 255f, image.get(0, 0, 1, 0));
  }

  private static Object[] load(String dataUrl) {
    return load(LocalInputs.folder(null), dataUrl);
  }

  @Test
  void jpegWithExifOrientationSixIsRotatedClockwise() throws IOException {
    // 16 wide, 8 high: left half red, right half blue
    BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 16; x++) {
        img.setRGB(x, y, x < 8 ? 0xFF0000 : 0x0000FF);
      }
    }
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(img, "jpeg", jpeg);
    Object[] out = load(dataUrl(withExifOrientation(jpeg.toByteArray(), 6)));
    CpuTensor image = t(out[0]);
    assertEquals(Shape.image(1, 16, 8, 3), image.shape());
    // clockwise: the left (red) half is now on top, the right (blue) half below
    assertTrue(image.get(0, 2, 4, 0) > 0.8f && image.get(0, 2, 4, 2) < 0.2f, "top is red");
    assertTrue(image.get(0, 13, 4, 2) > 0.8f && image.get(0, 13, 4, 0) < 0.2f, "bottom is blue");
    assertEquals(Shape.mask(1, 64, 64), t(out[1]).shape());
  }

  @Test
  void headerClaimingAHugeImageIsRefusedBeforeDecoding() {
    byte[] bomb = pngHeaderOnly(100_000, 100_000);
    NodeException e = assertThrows(NodeException.class, () -> load(dataUrl(bomb)));
    assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
  }

  @Test
  void configuredLimitsApply() throws IOException {
    BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
    WorkflowLimits small = new WorkflowLimits(1 << 20, 16, 100, 32, 1 << 20, 4);
    NodeException e = assertThrows(NodeException.class, () -> ImageNodeRuns.run("LoadImage",
        dev.gpuagent.engine.OutputSink.discard(), LocalInputs.folder(null), small, null, "image", dataUrl(png(img))));
    assertTrue(e.getMessage().contains("exceeds the limit of 32"), e.getMessage());
  }

  @Test
  void undecodableDataNamesTheInput() {
    NodeException e = assertThrows(NodeException.class,
        () -> load("data:image/png;base64," + Base64.getEncoder().encodeToString("not an image".getBytes())));
    assertTrue(e.getMessage().contains("input 'image'"), e.getMessage());
    assertTrue(e.getMessage().contains("not a PNG or JPEG"), e.getMessage());
    assertTrue(e.getMessage().length() < 400, "the data: URL is not echoed in full");
  }

  @Test
  void unreadableReferenceNamesTheInput() {
    NodeException e = assertThrows(NodeException.class, () -> load(LocalInputs.folder(input), "../etc/passwd"));
    assertTrue(e.getMessage().contains("input 'image'"), e.getMessage());
    assertTrue(e.getMessage().contains("outside the input folder"), e.getMessage());
  }

  @Test
  void sampleInputsOfTheSampleWorkflowsLoad() {
    Path samples = Path.of(System.getProperty("gpuagent.repo.root", "..")).resolve("config/workflows/input");
    LocalInputs inputs = LocalInputs.folder(samples);
    assertEquals(Shape.image(1, 48, 64, 3), t(load(inputs, "sample.png")[0]).shape());
    assertEquals(Shape.mask(1, 64, 64), t(load(inputs, "sample.png")[1]).shape());
    Object[] rgba = load(inputs, "sample_rgba.png");
    assertEquals(Shape.mask(1, 32, 32), t(rgba[1]).shape());
    assertEquals(1f, t(rgba[1]).get(0, 16, 16, 0)); // transparent centre
    assertEquals(Shape.image(1, 48, 64, 3), t(load(inputs, "sample.jpg")[0]).shape());
  }

  // ---- ComfyUIDeployExternalImage ----

  @Test
  void externalImageLoadsItsUrlValue() throws IOException {
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(1, 1, 0x80FF0000);
    Object[] out = ImageNodeRuns.run("ComfyUIDeployExternalImage", LocalInputs.folder(null),
        "input_id", "photo", "default_value_url", dataUrl(png(img)));
    assertEquals(1, out.length);
    CpuTensor image = t(out[0]);
    assertEquals(Shape.image(1, 2, 2, 3), image.shape());
    assertEquals(1f, image.get(0, 1, 1, 0));
  }

  @Test
  void externalImageFallsBackToItsDefaultImage() {
    CpuTensor fallback = NodeHarness.filled(1, 2, 2, 3, 0.5f);
    Object[] out = ImageNodeRuns.run("ComfyUIDeployExternalImage", LocalInputs.folder(null),
        "input_id", "photo", "default_value", fallback, "default_value_url", "");
    assertSame(fallback, out[0]);
  }

  @Test
  void externalImageWithoutAnyValueFailsClearly() {
    NodeException e = assertThrows(NodeException.class, () -> ImageNodeRuns.run("ComfyUIDeployExternalImage",
        LocalInputs.folder(null), "input_id", "photo"));
    assertTrue(e.getMessage().contains("'photo' has no value"), e.getMessage());
  }

  @Test
  void externalImageWithABadUrlFailsClearly() {
    NodeException e = assertThrows(NodeException.class, () -> ImageNodeRuns.run("ComfyUIDeployExternalImage",
        LocalInputs.folder(null), "input_id", "photo", "default_value_url", "http://example.com/a.png?sig=x"));
    assertTrue(e.getMessage().contains("remote input URLs are disabled"), e.getMessage());
    assertTrue(!e.getMessage().contains("sig=x"), e.getMessage());
  }

  // ---- helpers ----

  static String dataUrl(byte[] bytes) {
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes);
  }

  static byte[] png(BufferedImage img) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** Inserts an APP1 Exif segment (little-endian TIFF, one IFD0 entry: orientation) after SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    ByteBuffer tiff = ByteBuffer.allocate(26).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8); // header, IFD0 at 8
    tiff.putShort((short) 1); // one entry
    tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
    tiff.putInt(0); // no next IFD
    byte[] body = tiff.array();
    int length = 2 + 6 + body.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xFF);
    out.write(0xD8);
    out.write(0xFF);
    out.write(0xE1);
    out.write(length >> 8);
    out.write(length & 0xFF);
    out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
    out.writeBytes(body);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer chunk = ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt(width).putInt(height)
        .put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(chunk.array());
    return ByteBuffer.allocate(8 + 4 + 17 + 4)
        .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
        .putInt(13).put(chunk.array()).putInt((int) crc.getValue()).array();
  }
}
