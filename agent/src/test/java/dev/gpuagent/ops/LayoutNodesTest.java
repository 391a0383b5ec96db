package dev.gpuagent.ops;

import static dev.gpuagent.ops.NodeHarness.assertClose;
import static dev.gpuagent.ops.NodeHarness.assertShape;
import static dev.gpuagent.ops.NodeHarness.image;
import static dev.gpuagent.ops.NodeHarness.random;
import static dev.gpuagent.ops.NodeHarness.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutNodesTest {

  private static JsonNode golden() throws Exception {
    try (InputStream in = LayoutNodesTest.class.getResourceAsStream("/golden/layout.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  private static CpuTensor tensorOf(JsonNode shape, JsonNode values) {
    float[] data = new float[values.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) values.get(i).asDouble();
    }
    int channels = shape.size() == 4 ? shape.get(3).asInt() : 1;
    return new CpuTensor(new Shape(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt(), channels), data);
  }

  private static Object[] pad(CpuTensor img, int left, int top, int right, int bottom, int feathering)
      throws Exception {
    return NodeHarness.run("ImagePadForOutpaint", "image", img, "left", left, "top", top, "right", right,
        "bottom", bottom, "feathering", feathering);
  }

  /** ComfyUI's feathering, restated: 1 on the margins, ((f - d) / f)^2 near padded sides inside. */
  private static float[] expectedMask(int h, int w, int left, int top, int right, int bottom, int f) {
    int outH = h + top + bottom;
    int outW = w + left + right;
    float[] m = new float[outH * outW];
    boolean feather = f > 0 && f * 2 < h && f * 2 < w;
    for (int row = 0; row < outH; row++) {
      for (int col = 0; col < outW; col++) {
        int i = row - top;
        int j = col - left;
        float value;
        if (i < 0 || i >= h || j < 0 || j >= w) {
          value = 1f;
        } else if (!feather) {
          value = 0f;
        } else {
          int d = h;
          if (top != 0) {
            d = Math.min(d, i);
          }
          if (bottom != 0) {
            d = Math.min(d, h - i);
          }
          d = Math.min(d, left != 0 ? j : w);
          if (right != 0) {
            d = Math.min(d, w - j);
          }
          double v = (f - d) / (double) f;
          value = d >= f ? 0f : (float) (v * v);
        }
        m[row * outW + col] = value;
      }
    }
    return m;
  }

  @Test
  void schemasMatchComfyUi() {
    NodeSchema crop = NodeHarness.REGISTRY.schema("ImageCrop").orElseThrow();
    assertEquals("image/transform", crop.category());
    assertEquals("Crop Image", crop.displayName());
    assertEquals(List.of("image", "width", "height", "x", "y"),
        crop.required().stream().map(InputSpec::name).toList());
    assertEquals(512L, crop.input("width").orElseThrow().defaultValue());
    assertEquals(1.0, crop.input("height").orElseThrow().min());
    assertEquals(0L, crop.input("x").orElseThrow().defaultValue());
    assertEquals(16384.0, crop.input("y").orElseThrow().max());
    assertEquals(List.of("IMAGE"), crop.outputTypes());

    NodeSchema pad = NodeHarness.REGISTRY.schema("ImagePadForOutpaint").orElseThrow();
    assertEquals("image", pad.category());
    assertEquals("Pad Image for Outpainting", pad.displayName());
    assertEquals(List.of("image", "left", "top", "right", "bottom", "feathering"),
        pad.required().stream().map(InputSpec::name).toList());
    for (String side : List.of("left", "top", "right", "bottom")) {
      InputSpec spec = pad.input(side).orElseThrow();
      assertEquals(0L, spec.defaultValue(), side);
      assertEquals(8.0, spec.step(), side);
      assertEquals(16384.0, spec.max(), side);
    }
    InputSpec feathering = pad.input("feathering").orElseThrow();
    assertEquals(40L, feathering.defaultValue());
    assertEquals(1.0, feathering.step());
    assertEquals(List.of("IMAGE", "MASK"), pad.outputTypes());
    assertEquals(List.of("IMAGE", "MASK"), pad.outputNames());
  }

  @Test
  void cropMatchesPyTorchGolden() throws Exception {
    for (JsonNode c : golden().get("crop")) {
      CpuTensor out = image("ImageCrop", "image", tensorOf(c.get("shape"), c.get("image")),
          "width", c.get("width").asInt(), "height", c.get("height").asInt(),
          "x", c.get("x").asInt(), "y", c.get("y").asInt());
      assertClose(tensorOf(c.get("out_shape"), c.get("out")), out, 0);
    }
  }

  @Test
  void cropTakesTheRegionOfEveryBatchItem() throws Exception {
    CpuTensor img = random(21, 2, 5, 7, 4);
    CpuTensor out = image("ImageCrop", "image", img, "width", 3, "height", 2, "x", 1, "y", 2);
    assertShape(Shape.image(2, 2, 3, 4), out);
    for (int b = 0; b < 2; b++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 3; x++) {
          for (int c = 0; c < 4; c++) {
            assertEquals(img.get(b, y + 2, x + 1, c), out.get(b, y, x, c));
          }
        }
      }
    }
  }

  @Test
  void cropIsCutAtTheImageEdge() throws Exception {
    CpuTensor img = random(22, 1, 4, 5, 3);
    CpuTensor out = image("ImageCrop", "image", img, "width", 4, "height", 10, "x", 3, "y", 1);
    assertShape(Shape.image(1, 3, 2, 3), out);
    assertEquals(img.get(0, 3, 4, 2), out.get(0, 2, 1, 2));
  }

  @Test
  void cropClampsOffsetsPastTheEdgeToTheLastPixel() throws Exception {
    CpuTensor img = random(23, 1, 3, 4, 3);
    CpuTensor out = image("ImageCrop", "image", img, "width", 2, "height", 2, "x", 10, "y", 10);
    assertClose(tensor(1, 1, 1, 3, img.get(0, 2, 3, 0), img.get(0, 2, 3, 1), img.get(0, 2, 3, 2)), out, 0);
  }

  @Test
  void cropOfOnePixelImage() throws Exception {
    CpuTensor img = tensor(1, 1, 1, 3, 0.1f, 0.2f, 0.3f);
    assertClose(img, image("ImageCrop", "image", img, "width", 512, "height", 512, "x", 0, "y", 0), 0);
  }

  @Test
  void cropRejectsANegativeLinkedOffset() {
    NodeException e = assertThrows(NodeException.class, () -> NodeHarness.run("ImageCrop",
        "image", random(1, 1, 4, 4, 3), "width", 2, "height", 2, "x", -1, "y", 0));
    assertEquals("input 'x' must be 0 or more, got -1", e.getMessage());
  }

  @Test
  void padForOutpaintMatchesPyTorchGolden() throws Exception {
    for (JsonNode c : golden().get("pad")) {
      Object[] out = pad(tensorOf(c.get("shape"), c.get("image")), c.get("left").asInt(),
          c.get("top").asInt(), c.get("right").asInt(), c.get("bottom").asInt(), c.get("feathering").asInt());
      assertClose(tensorOf(c.get("out_shape"), c.get("out")), CpuTensor.of((Tensor) out[0]), 0);
      assertClose(tensorOf(c.get("mask_shape"), c.get("mask")), CpuTensor.of((Tensor) out[1]), 0);
    }
  }

  @Test
  void padFillsTheMarginsWithHalfGreyInEveryChannel() throws Exception {
    CpuTensor img = random(31, 2, 2, 3, 4);
    CpuTensor out = CpuTensor.of((Tensor) pad(img, 1, 2, 0, 1, 0)[0]);
    assertShape(Shape.image(2, 5, 4, 4), out);
    for (int b = 0; b < 2; b++) {
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < 4; x++) {
          for (int c = 0; c < 4; c++) {
            boolean inside = y >= 2 && y < 4 && x >= 1;
            float expected = inside ? img.get(b, y - 2, x - 1, c) : 0.5f;
            assertEquals(expected, out.get(b, y, x, c), "b" + b + " y" + y + " x" + x + " c" + c);
          }
        }
      }
    }
  }

  @Test
  void featherFromALeftMarginByHand() throws Exception {
    // 5x5 image, left margin 1, feathering 2: d = j, so 1, 0.25, then 0, on every row.
    Tensor mask = (Tensor) pad(random(32, 1, 5, 5, 3), 1, 0, 0, 0, 2)[1];
    assertShape(Shape.mask(1, 5, 6), mask);
    float[] row = {1f, 1f, 0.25f, 0f, 0f, 0f};
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        assertEquals(row[x], CpuTensor.of(mask).get(0, y, x, 0), "y" + y + " x" + x);
      }
    }
  }

  @Test
  void featherFromARightMarginStartsOnePixelIn() throws Exception {
    // ComfyUI measures the right side as W - j, so the last column is at distance 1, not 0.
    Tensor mask = (Tensor) pad(random(33, 1, 5, 5, 3), 0, 0, 1, 0, 2)[1];
    float[] row = {0f, 0f, 0f, 0f, 0.25f, 1f};
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        assertEquals(row[x], CpuTensor.of(mask).get(0, y, x, 0), "y" + y + " x" + x);
      }
    }
  }

  @Test
  void featherOnAllSidesFollowsComfyFormula() throws Exception {
    int[][] cases = {{3, 2, 1, 3, 2}, {8, 8, 8, 8, 3}, {0, 5, 0, 1, 2}, {2, 0, 4, 0, 1}};
    for (int[] k : cases) {
      CpuTensor img = random(34, 2, 7, 9, 3);
      CpuTensor mask = CpuTensor.of((Tensor) pad(img, k[0], k[1], k[2], k[3], k[4])[1]);
      assertShape(Shape.mask(1, 7 + k[1] + k[3], 9 + k[0] + k[2]), mask);
      assertClose(expectedMask(7, 9, k[0], k[1], k[2], k[3], k[4]), mask.data(), 0);
    }
  }

  @Test
  void noFeatherWhenTwiceTheFeatherReachesASide() throws Exception {
    // 2 * 2 < 4 is false: the image area of the mask stays 0.
    CpuTensor mask = CpuTensor.of((Tensor) pad(random(35, 1, 4, 6, 3), 1, 1, 1, 1, 2)[1]);
    assertClose(expectedMask(4, 6, 1, 1, 1, 1, 0), mask.data(), 0);
    assertEquals(0f, mask.get(0, 1, 1, 0));
    assertEquals(1f, mask.get(0, 0, 0, 0));
  }

  @Test
  void noMarginsGiveTheImageAndAnEmptyMask() throws Exception {
    CpuTensor img = random(36, 1, 10, 10, 3);
    Object[] out = pad(img, 0, 0, 0, 0, 4);
    assertClose(img, CpuTensor.of((Tensor) out[0]), 0);
    assertClose(new float[100], CpuTensor.of((Tensor) out[1]).data(), 0);
  }

  @Test
  void padOfOnePixelImage() throws Exception {
    Object[] out = pad(tensor(1, 1, 1, 3, 0.2f, 0.4f, 0.6f), 1, 0, 0, 0, 40);
    assertClose(tensor(1, 1, 2, 3, 0.5f, 0.5f, 0.5f, 0.2f, 0.4f, 0.6f), CpuTensor.of((Tensor) out[0]), 0);
    assertClose(tensor(1, 1, 2, 1, 1f, 0f), CpuTensor.of((Tensor) out[1]), 0);
  }

  @Test
  void largePadTakesTheParallelPath() throws Exception {
    CpuTensor img = random(37, 1, 200, 180, 3);
    Object[] out = pad(img, 16, 8, 24, 40, 30);
    CpuTensor padded = CpuTensor.of((Tensor) out[0]);
    assertEquals(img.get(0, 199, 179, 2), padded.get(0, 207, 195, 2));
    assertEquals(0.5f, padded.get(0, 247, 219, 0));
    assertClose(expectedMask(200, 180, 16, 8, 24, 40, 30), CpuTensor.of((Tensor) out[1]).data(), 0);
  }

  @Test
  void padOverTheSizeLimitFailsBeforeAllocating() {
    NodeException e = assertThrows(NodeException.class,
        () -> pad(tensor(1, 1, 1, 3, 0f, 0f, 0f), 16384, 0, 16384, 0, 0));
    assertTrue(e.getMessage().contains("32769x1"), e.getMessage());
  }
}
