package dev.gpuagent.ops;

import static dev.gpuagent.ops.NodeHarness.assertShape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ImageScale and ImageScaleBy: sizes, aspect rules, crop, schema and refusals. */
class ScaleNodesTest {
  private static CpuTensor scale(CpuTensor image, String method, int width, int height, String crop)
      throws Exception {
    return NodeHarness.image("ImageScale", "image", image, "upscale_method", method, "width", width,
        "height", height, "crop", crop);
  }

  private static CpuTensor scaleBy(CpuTensor image, String method, double factor) throws Exception {
    return NodeHarness.image("ImageScaleBy", "image", image, "upscale_method", method, "scale_by", factor);
  }

  @Test
  void schemasFollowComfyUi() {
    NodeSchema scale = NodeHarness.REGISTRY.schema("ImageScale").orElseThrow();
    assertEquals("image/upscaling", scale.category());
    assertEquals(List.of("nearest-exact", "bilinear", "area", "bicubic", "lanczos"),
        scale.input("upscale_method").orElseThrow().options());
    assertEquals(List.of("disabled", "center"), scale.input("crop").orElseThrow().options());
    InputSpec width = scale.input("width").orElseThrow();
    assertEquals(512L, width.defaultValue());
    assertEquals(0.0, width.min());
    assertEquals(16384.0, width.max());
    assertEquals(List.of("IMAGE"), scale.outputTypes());
    NodeSchema by = NodeHarness.REGISTRY.schema("ImageScaleBy").orElseThrow();
    InputSpec factor = by.input("scale_by").orElseThrow();
    assertEquals(1.0, factor.defaultValue());
    assertEquals(0.01, factor.min());
    assertEquals(8.0, factor.max());
    assertEquals(0.01, factor.step());
  }

  @Test
  void zeroWidthFollowsTheHeightKeepingTheAspectRatio() throws Exception {
    CpuTensor image = NodeHarness.random(1, 2, 7, 9, 3);
    assertShape(new Shape(2, 14, 18, 3), scale(image, "bilinear", 0, 14, "disabled"));
    assertShape(new Shape(2, 3, 4, 3), scale(image, "area", 4, 0, "disabled")); // 7 * 4 / 9 = 3.11
  }

  @Test
  void aspectSideRoundsHalfToEvenAndIsAtLeastOne() throws Exception {
    // 5 * 1 / 2 = 2.5 -> 2 (Python's round), not 3
    assertShape(new Shape(1, 1, 2, 3), scale(NodeHarness.random(2, 1, 2, 5, 3), "nearest-exact", 0, 1,
        "disabled"));
    // 7 * 1 / 2 = 3.5 -> 4
    assertShape(new Shape(1, 4, 1, 3), scale(NodeHarness.random(3, 1, 7, 2, 3), "nearest-exact", 1, 0,
        "disabled"));
    // 1 * 4 / 10 = 0.4 -> 0 -> at least 1
    assertShape(new Shape(1, 4, 1, 3), scale(NodeHarness.random(4, 1, 10, 1, 3), "bicubic", 0, 4,
        "disabled"));
  }

  @Test
  void bothSidesZeroReturnsTheImageUnchanged() throws Exception {
    CpuTensor image = NodeHarness.random(5, 1, 3, 4, 3);
    assertSame(image, scale(image, "bicubic", 0, 0, "center"));
  }

  @Test
  void centerCropTakesTheMiddleBeforeResizing() throws Exception {
    // 1x6 row 0..5 to 1x2 with crop: aspect 6 -> 2 cuts (6 - 2) / 2 = 2 columns each side: [2, 3]
    CpuTensor rgb = NodeHarness.tensor(1, 1, 6, 3, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5);
    assertArrayEquals(new float[] {2, 2, 2, 3, 3, 3}, scale(rgb, "nearest-exact", 2, 1, "center").data());
    // without the crop the same resize samples columns 1 and 4
    assertArrayEquals(new float[] {1, 1, 1, 4, 4, 4}, scale(rgb, "nearest-exact", 2, 1, "disabled").data());
  }

  @Test
  void centerCropThatLeavesNothingFails() {
    // 2x1 to 1x16384: the margin rounds to 1 on each side of a 2-pixel row
    CpuTensor image = NodeHarness.random(6, 1, 1, 2, 3);
    NodeException e = assertThrows(NodeException.class,
        () -> scale(image, "bilinear", 1, 16384, "center"));
    assertTrue(e.getMessage().contains("leaves no pixels"), e.getMessage());
  }

  @Test
  void sizesPastTheLimitsFailBeforeAllocating() {
    CpuTensor image = NodeHarness.random(7, 1, 2, 2, 3);
    NodeException e = assertThrows(NodeException.class,
        () -> scale(image, "nearest-exact", 16384, 16384, "disabled"));
    assertTrue(e.getMessage().contains("pixels"), e.getMessage());
  }

  @Test
  void scaleByRoundsHalfToEven() throws Exception {
    CpuTensor image = NodeHarness.random(8, 3, 7, 5, 4);
    // 5 * 0.5 = 2.5 -> 2, 7 * 0.5 = 3.5 -> 4
    assertShape(new Shape(3, 4, 2, 4), scaleBy(image, "bilinear", 0.5));
    // 7 * 2.5 = 17.5 -> 18, 5 * 2.5 = 12.5 -> 12
    assertShape(new Shape(3, 18, 12, 4), scaleBy(image, "lanczos", 2.5));
  }

  @Test
  void scaleByOneKeepsTheSize() throws Exception {
    CpuTensor image = NodeHarness.random(9, 1, 5, 6, 3);
    CpuTensor out = scaleBy(image, "nearest-exact", 1.0);
    assertArrayEquals(image.data(), out.data());
  }

  @Test
  void scaleByToZeroPixelsFailsWithAClearMessage() {
    CpuTensor image = NodeHarness.random(10, 1, 10, 10, 3);
    NodeException e = assertThrows(NodeException.class, () -> scaleBy(image, "area", 0.01));
    assertTrue(e.getMessage().contains("at least 1 pixel"), e.getMessage());
  }

  @Test
  void lanczosOfAOneChannelImageFails() {
    CpuTensor image = NodeHarness.random(11, 1, 4, 4, 1);
    assertThrows(NodeException.class, () -> scale(image, "lanczos", 8, 8, "disabled"));
  }

  @Test
  void everyMethodGivesTheRequestedShapeForBatchesAndRgba() throws Exception {
    CpuTensor image = NodeHarness.random(12, 3, 9, 7, 4);
    for (String method : List.of("nearest-exact", "bilinear", "area", "bicubic", "lanczos")) {
      assertShape(new Shape(3, 5, 11, 4), scale(image, method, 11, 5, "disabled"));
      assertShape(new Shape(3, 5, 11, 4), scale(image, method, 11, 5, "center"));
    }
  }
}
