package dev.gpuagent.ops;

import static dev.gpuagent.ops.NodeHarness.assertClose;
import static dev.gpuagent.ops.NodeHarness.assertShape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.workflow.NodeSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ImageBlend: every mode and factor against the formulas, broadcasting, channels, golden. */
class BlendNodesTest {
  private static final List<String> MODES =
      List.of("normal", "multiply", "screen", "overlay", "soft_light", "difference");

  private static CpuTensor blend(CpuTensor a, CpuTensor b, double factor, String mode) throws Exception {
    return NodeHarness.image("ImageBlend", "image1", a, "image2", b, "blend_factor", factor,
        "blend_mode", mode);
  }

  /** The blend formulas of ComfyUI's Blend node, in double. */
  private static double formula(String mode, double a, double b) {
    return switch (mode) {
      case "normal" -> b;
      case "multiply" -> a * b;
      case "screen" -> 1 - (1 - a) * (1 - b);
      case "overlay" -> a <= 0.5 ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b);
      case "soft_light" -> {
        double g = a <= 0.25 ? ((16 * a - 12) * a + 4) * a : Math.sqrt(a);
        yield b <= 0.5 ? a - (1 - 2 * b) * a * (1 - a) : a + (2 * b - 1) * (g - a);
      }
      case "difference" -> a - b;
      default -> throw new IllegalArgumentException(mode);
    };
  }

  private static float expected(String mode, double factor, float a, float b) {
    double v = a * (1 - factor) + formula(mode, a, b) * factor;
    return (float) Math.min(1, Math.max(0, v));
  }

  /** Random images with the formulas' thresholds (0.25, 0.5) and the range ends mixed in. */
  private static CpuTensor withThresholds(long seed, int b, int h, int w, int c) {
    CpuTensor t = NodeHarness.random(seed, b, h, w, c);
    float[] special = {0f, 0.25f, 0.5f, 1f, 0.2500001f, 0.4999999f};
    for (int i = 0; i < special.length; i++) {
      t.data()[(int) ((seed * 7 + i * 13) % t.data().length)] = special[i];
    }
    return t;
  }

  @Test
  void schemaFollowsComfyUi() {
    NodeSchema s = NodeHarness.REGISTRY.schema("ImageBlend").orElseThrow();
    assertEquals("image/postprocessing", s.category());
    assertEquals(MODES, s.input("blend_mode").orElseThrow().options());
    assertEquals(0.5, s.input("blend_factor").orElseThrow().defaultValue());
    assertEquals(0.01, s.input("blend_factor").orElseThrow().step());
  }

  @Test
  void everyModeAtSeveralFactorsMatchesTheFormula() throws Exception {
    CpuTensor a = withThresholds(1, 2, 5, 7, 3);
    CpuTensor b = withThresholds(2, 2, 5, 7, 3);
    for (String mode : MODES) {
      for (double f : new double[] {0, 0.01, 0.25, 0.5, 0.8, 1}) {
        CpuTensor out = blend(a, b, f, mode);
        float[] exp = new float[a.data().length];
        for (int i = 0; i < exp.length; i++) {
          exp[i] = expected(mode, f, a.data()[i], b.data()[i]);
        }
        try {
          assertClose(exp, out.data(), 1e-6);
        } catch (AssertionError e) {
          throw new AssertionError(mode + " at " + f + ": " + e.getMessage(), e);
        }
      }
    }
  }

  @Test
  void differenceIsSignedAndClamped() throws Exception {
    CpuTensor a = NodeHarness.tensor(1, 1, 1, 3, 0.2f, 0.9f, 0.5f);
    CpuTensor b = NodeHarness.tensor(1, 1, 1, 3, 0.6f, 0.1f, 0.5f);
    // f = 1: a - b = -0.4 -> 0, 0.8, 0
    assertClose(new float[] {0f, 0.8f, 0f}, blend(a, b, 1.0, "difference").data(), 1e-6);
  }

  @Test
  void aBatchOfOneIsBlendedWithEveryImageOfTheOther() throws Exception {
    CpuTensor many = NodeHarness.random(3, 3, 4, 4, 3);
    CpuTensor one = NodeHarness.random(4, 1, 4, 4, 3);
    CpuTensor out = blend(many, one, 0.3, "screen");
    assertShape(new Shape(3, 4, 4, 3), out);
    CpuTensor reversed = blend(one, many, 0.3, "screen");
    assertShape(new Shape(3, 4, 4, 3), reversed);
    int n = 4 * 4 * 3;
    for (int b = 0; b < 3; b++) {
      for (int i = 0; i < n; i++) {
        assertEquals(expected("screen", 0.3, many.data()[b * n + i], one.data()[i]),
            out.data()[b * n + i], 1e-6);
        assertEquals(expected("screen", 0.3, one.data()[i], many.data()[b * n + i]),
            reversed.data()[b * n + i], 1e-6);
      }
    }
  }

  @Test
  void mismatchedBatchesFailWithAClearMessage() {
    CpuTensor a = NodeHarness.random(5, 2, 4, 4, 3);
    CpuTensor b = NodeHarness.random(6, 3, 4, 4, 3);
    NodeException e = assertThrows(NodeException.class, () -> blend(a, b, 0.5, "normal"));
    assertTrue(e.getMessage().contains("batch of 2") && e.getMessage().contains("batch of 3"),
        e.getMessage());
  }

  @Test
  void rgbaImage2LosesItsAlphaOnAnRgbImage1() throws Exception {
    CpuTensor a = NodeHarness.random(7, 1, 3, 3, 3);
    CpuTensor b = NodeHarness.random(8, 1, 3, 3, 4);
    CpuTensor out = blend(a, b, 0.5, "multiply");
    assertShape(new Shape(1, 3, 3, 3), out);
    for (int p = 0; p < 9; p++) {
      for (int c = 0; c < 3; c++) {
        assertEquals(expected("multiply", 0.5, a.data()[p * 3 + c], b.data()[p * 4 + c]),
            out.data()[p * 3 + c], 1e-6);
      }
    }
  }

  @Test
  void rgbImage2GetsAnOpaqueAlphaOnAnRgbaImage1() throws Exception {
    CpuTensor a = NodeHarness.random(9, 1, 3, 3, 4);
    CpuTensor b = NodeHarness.random(10, 1, 3, 3, 3);
    CpuTensor out = blend(a, b, 0.7, "normal");
    assertShape(new Shape(1, 3, 3, 4), out);
    for (int p = 0; p < 9; p++) {
      assertEquals(expected("normal", 0.7, a.data()[p * 4 + 3], 1f), out.data()[p * 4 + 3], 1e-6);
    }
  }

  @Test
  void image2OfAnotherSizeIsResizedToImage1() throws Exception {
    CpuTensor a = NodeHarness.random(11, 2, 6, 5, 3);
    CpuTensor b = NodeHarness.filled(1, 17, 3, 3, 0.25f);
    CpuTensor out = blend(a, b, 1.0, "normal");
    assertShape(new Shape(2, 6, 5, 3), out);
    for (float v : out.data()) {
      assertEquals(0.25f, v, 1e-6);
    }
  }

  @Test
  void inputsAreNotModified() throws Exception {
    CpuTensor a = NodeHarness.random(12, 1, 4, 4, 3);
    CpuTensor b = NodeHarness.random(13, 1, 4, 4, 3);
    float[] a0 = a.data().clone();
    float[] b0 = b.data().clone();
    blend(a, b, 0.5, "overlay");
    assertArrayEquals(a0, a.data());
    assertArrayEquals(b0, b.data());
  }

  @Test
  void matchesPyTorchGolden() throws Exception {
    JsonNode golden = Golden.load("blend.json");
    int cases = 0;
    for (JsonNode c : golden.get("cases")) {
      CpuTensor a = Golden.tensor(golden.get("inputs").get(c.get("image1").asText()));
      CpuTensor b = Golden.tensor(golden.get("inputs").get(c.get("image2").asText()));
      CpuTensor exp = Golden.tensor(c.get("expected"));
      boolean sameSize = a.shape().equals(b.shape());
      CpuTensor out = blend(a, b, c.get("factor").asDouble(), c.get("mode").asText());
      try {
        // same-size blends are the same float operations as PyTorch's: bit for bit
        assertClose(exp, out, sameSize ? 0 : 1e-5);
      } catch (AssertionError e) {
        throw new AssertionError(c.get("mode").asText() + " " + c.get("factor") + ": " + e.getMessage(), e);
      }
      cases++;
    }
    assertEquals(30, cases);
  }
}
