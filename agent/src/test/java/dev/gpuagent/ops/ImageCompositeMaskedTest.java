package dev.gpuagent.ops;

import static dev.gpuagent.ops.NodeHarness.assertClose;
import static dev.gpuagent.ops.NodeHarness.assertShape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.workflow.NodeSchema;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ImageCompositeMasked against a naive paste loop, plus the PyTorch golden. */
class ImageCompositeMaskedTest {
  private static CpuTensor composite(CpuTensor dst, CpuTensor src, int x, int y, boolean resize,
      CpuTensor mask) throws Exception {
    List<Object> args = new ArrayList<>(List.of("destination", dst, "source", src, "x", x, "y", y,
        "resize_source", resize));
    if (mask != null) {
      args.add("mask");
      args.add(mask);
    }
    return NodeHarness.image("ImageCompositeMasked", args.toArray());
  }

  /**
   * Naive paste: every destination pixel inside the source's footprint becomes m * s + (1 - m) * d
   * with source image i % sourceBatch and mask i % maskBatch (mask same size as the source).
   */
  private static float[] naive(CpuTensor dst, CpuTensor src, int x, int y, CpuTensor mask) {
    float[] out = dst.data().clone();
    int c = dst.channels();
    for (int b = 0; b < dst.batch(); b++) {
      for (int row = 0; row < dst.height(); row++) {
        for (int col = 0; col < dst.width(); col++) {
          int sy = row - y;
          int sx = col - x;
          if (sy < 0 || sx < 0 || sy >= src.height() || sx >= src.width()) {
            continue;
          }
          float m = mask == null ? 1f : mask.get(b % mask.batch(), sy, sx, 0);
          for (int ch = 0; ch < c; ch++) {
            float s = src.get(b % src.batch(), sy, sx, ch);
            int i = dst.index(b, row, col, ch);
            out[i] = m * s + (1 - m) * dst.data()[i];
          }
        }
      }
    }
    return out;
  }

  @Test
  void schemaFollowsComfyUi() {
    NodeSchema s = NodeHarness.REGISTRY.schema("ImageCompositeMasked").orElseThrow();
    assertEquals("image", s.category());
    assertEquals(List.of("destination", "source", "x", "y", "resize_source"),
        s.required().stream().map(i -> i.name()).toList());
    assertEquals(List.of("mask"), s.optional().stream().map(i -> i.name()).toList());
    assertEquals(Boolean.FALSE, s.input("resize_source").orElseThrow().defaultValue());
    assertEquals(16384.0, s.input("x").orElseThrow().max());
  }

  @Test
  void sourceWithoutMaskIsPastedAtTheOffset() throws Exception {
    CpuTensor dst = NodeHarness.random(1, 2, 6, 7, 3);
    CpuTensor src = NodeHarness.random(2, 2, 3, 4, 3);
    for (int[] xy : new int[][] {{0, 0}, {2, 1}, {3, 3}}) {
      assertClose(naive(dst, src, xy[0], xy[1], null),
          composite(dst, src, xy[0], xy[1], false, null).data(), 0);
    }
  }

  @Test
  void offsetsPastTheEdgeClipTheSource() throws Exception {
    CpuTensor dst = NodeHarness.random(3, 1, 6, 7, 3);
    CpuTensor src = NodeHarness.random(4, 1, 3, 4, 3);
    assertClose(naive(dst, src, 5, 4, null), composite(dst, src, 5, 4, false, null).data(), 0);
    assertClose(dst.data(), composite(dst, src, 7, 0, false, null).data(), 0);
    assertClose(dst.data(), composite(dst, src, 100, 200, false, null).data(), 0);
  }

  @Test
  void maskWeighsSourceAgainstDestination() throws Exception {
    CpuTensor dst = NodeHarness.random(5, 3, 6, 7, 3);
    CpuTensor src = NodeHarness.random(6, 1, 3, 4, 3);
    CpuTensor mask = NodeHarness.random(7, 2, 3, 4, 1);
    assertClose(naive(dst, src, 2, 2, mask), composite(dst, src, 2, 2, false, mask).data(), 1e-7);
    assertClose(naive(dst, src, 4, 5, mask), composite(dst, src, 4, 5, false, mask).data(), 1e-7);
  }

  @Test
  void sourceBatchIsRepeatedOrCutToTheDestinationBatch() throws Exception {
    CpuTensor dst = NodeHarness.random(8, 2, 5, 5, 3);
    CpuTensor src = NodeHarness.random(9, 3, 2, 2, 3);
    CpuTensor out = composite(dst, src, 1, 1, false, null);
    assertShape(new Shape(2, 5, 5, 3), out);
    assertClose(naive(dst, src, 1, 1, null), out.data(), 0);
  }

  @Test
  void resizeSourceStretchesItOverTheDestination() throws Exception {
    CpuTensor dst = NodeHarness.random(10, 1, 4, 6, 3);
    CpuTensor src = NodeHarness.tensor(1, 1, 1, 3, 0.2f, 0.4f, 0.6f);
    float[] expected = new float[4 * 6 * 3];
    for (int p = 0; p < 24; p++) {
      expected[p * 3] = 0.2f;
      expected[p * 3 + 1] = 0.4f;
      expected[p * 3 + 2] = 0.6f;
    }
    assertClose(expected, composite(dst, src, 0, 0, true, null).data(), 0);
    // offsets still apply after the stretch
    assertClose(naive(dst, NodeHarness.filled(1, 4, 6, 3, 0.5f), 2, 1, null),
        composite(dst, NodeHarness.filled(1, 2, 2, 3, 0.5f), 2, 1, true, null).data(), 0);
  }

  @Test
  void maskOfAnotherSizeIsResizedToTheSource() throws Exception {
    CpuTensor dst = NodeHarness.random(11, 1, 5, 5, 3);
    CpuTensor src = NodeHarness.random(12, 1, 4, 4, 3);
    CpuTensor mask = NodeHarness.filled(1, 2, 3, 1, 0.25f);
    assertClose(naive(dst, src, 1, 0, NodeHarness.filled(1, 4, 4, 1, 0.25f)),
        composite(dst, src, 1, 0, false, mask).data(), 1e-7);
  }

  @Test
  void rgbaSourceLosesAlphaOnRgbAndRgbSourceIsOpaqueOnRgba() throws Exception {
    CpuTensor rgb = NodeHarness.random(13, 1, 4, 4, 3);
    CpuTensor rgba = NodeHarness.random(14, 1, 2, 2, 4);
    CpuTensor out = composite(rgb, rgba, 1, 1, false, null);
    assertShape(new Shape(1, 4, 4, 3), out);
    assertEquals(rgba.get(0, 0, 0, 2), out.get(0, 1, 1, 2));
    CpuTensor dstRgba = NodeHarness.random(15, 1, 4, 4, 4);
    CpuTensor srcRgb = NodeHarness.random(16, 1, 2, 2, 3);
    CpuTensor mask = NodeHarness.filled(1, 2, 2, 1, 0.5f);
    CpuTensor out2 = composite(dstRgba, srcRgb, 2, 2, false, mask);
    assertShape(new Shape(1, 4, 4, 4), out2);
    assertEquals(0.5f * 1f + 0.5f * dstRgba.get(0, 3, 3, 3), out2.get(0, 3, 3, 3), 1e-7);
    assertEquals(dstRgba.get(0, 0, 0, 3), out2.get(0, 0, 0, 3));
  }

  @Test
  void destinationIsNotModified() throws Exception {
    CpuTensor dst = NodeHarness.random(17, 1, 4, 4, 3);
    float[] before = dst.data().clone();
    CpuTensor out = composite(dst, NodeHarness.random(18, 1, 2, 2, 3), 1, 1, false, null);
    assertNotSame(dst, out);
    assertArrayEquals(before, dst.data());
  }

  @Test
  void negativeOffsetsAndNonMaskMasksAreRefused() {
    CpuTensor dst = NodeHarness.random(19, 1, 4, 4, 3);
    CpuTensor src = NodeHarness.random(20, 1, 2, 2, 3);
    assertThrows(NodeException.class, () -> composite(dst, src, -1, 0, false, null));
    assertThrows(NodeException.class, () -> composite(dst, src, 0, 0, false, src));
  }

  @Test
  void matchesPyTorchGolden() throws Exception {
    JsonNode golden = Golden.load("composite.json");
    JsonNode inputs = golden.get("inputs");
    for (JsonNode c : golden.get("cases")) {
      CpuTensor dst = Golden.tensor(inputs.get("dst"));
      CpuTensor src = Golden.tensor(inputs.get(c.get("source").asText()));
      CpuTensor mask = c.get("mask").isNull() ? null : Golden.tensor(inputs.get(c.get("mask").asText()));
      CpuTensor out = composite(dst, src, c.get("x").asInt(), c.get("y").asInt(),
          c.get("resize_source").asBoolean(), mask);
      try {
        assertClose(Golden.tensor(c.get("expected")), out, 1e-6);
      } catch (AssertionError e) {
        throw new AssertionError(c.toString().substring(0, 80) + ": " + e.getMessage(), e);
      }
    }
  }
}
