package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.cpu.CpuTensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ImageScale against PyTorch 1.13's interpolate and Pillow's Lanczos (golden/resample.json). */
class ScaleNodesGoldenTest {
  private static final JsonNode GOLDEN = Golden.load("resample.json");

  /** Runs every golden case of one method; returns how many elements differ at all. */
  private static int[] check(String method, double tolerance) throws Exception {
    int cases = 0;
    int inexact = 0;
    List<String> failures = new ArrayList<>();
    for (JsonNode c : GOLDEN.get("cases")) {
      if (!c.get("method").asText().equals(method)) {
        continue;
      }
      cases++;
      CpuTensor input = Golden.tensor(GOLDEN.get("inputs").get(c.get("input").asText()));
      CpuTensor expected = Golden.tensor(c.get("expected"));
      CpuTensor actual = NodeHarness.image("ImageScale", "image", input, "upscale_method", method,
          "width", c.get("width").asInt(), "height", c.get("height").asInt(),
          "crop", c.get("crop").asText());
      String label = c.get("input").asText() + " -> " + c.get("height") + "x" + c.get("width")
          + " crop " + c.get("crop").asText();
      if (!expected.shape().equals(actual.shape())) {
        failures.add(label + ": shape " + actual.shape() + " expected " + expected.shape());
        continue;
      }
      for (int i = 0; i < expected.data().length; i++) {
        double diff = Math.abs(expected.data()[i] - actual.data()[i]);
        if (diff > 0) {
          inexact++;
        }
        if (!(diff <= tolerance)) {
          failures.add(label + ": element " + i + " expected " + expected.data()[i] + " was "
              + actual.data()[i]);
          break;
        }
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    return new int[] {cases, inexact};
  }

  @Test
  void nearestExactMatchesPyTorchExactly() throws Exception {
    int[] r = check("nearest-exact", 0);
    assertTrue(r[0] >= 10, "cases run");
  }

  @Test
  void bilinearMatchesPyTorch() throws Exception {
    assertTrue(check("bilinear", 1e-5)[0] >= 10);
  }

  @Test
  void bicubicMatchesPyTorch() throws Exception {
    assertTrue(check("bicubic", 1e-5)[0] >= 10);
  }

  @Test
  void areaMatchesPyTorch() throws Exception {
    assertTrue(check("area", 1e-5)[0] >= 10);
  }

  @Test
  void lanczosMatchesPillowExactly() throws Exception {
    int[] r = check("lanczos", 1.0 / 255 + 1e-7);
    assertTrue(r[0] >= 10, "cases run");
    assertEquals(0, r[1], "elements that differ from Pillow by one 8-bit level");
  }
}
