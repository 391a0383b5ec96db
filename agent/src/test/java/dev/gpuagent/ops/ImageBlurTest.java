package dev.gpuagent.ops;

import static dev.gpuagent.ops.NodeHarness.assertClose;
import static dev.gpuagent.ops.NodeHarness.filled;
import static dev.gpuagent.ops.NodeHarness.random;
import static dev.gpuagent.ops.NodeHarness.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.NodeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ImageBlurTest {
  private static CpuTensor blur(CpuTensor image, int radius, double sigma) throws Exception {
    return NodeHarness.image("ImageBlur", "image", image, "blur_radius", radius, "sigma", sigma);
  }

  private static CpuTensor naive(CpuTensor image, int radius, double sigma) {
    return FilterReference.convolve(image, FilterReference.gaussian2d(radius, sigma), false);
  }

  @ParameterizedTest
  @CsvSource({"1, 1.0", "2, 0.5", "3, 3.0", "1, 0.1", "2, 10.0"})
  void matchesDirect2dConvolutionOnOddSizedBatch(int radius, double sigma) throws Exception {
    CpuTensor image = random(11, 3, 5, 7, 3);
    assertClose(naive(image, radius, sigma), blur(image, radius, sigma), 1e-6);
  }

  @Test
  void matchesDirect2dConvolutionOnRgba() throws Exception {
    CpuTensor image = random(12, 2, 9, 6, 4);
    assertClose(naive(image, 2, 1.5), blur(image, 2, 1.5), 1e-6);
  }

  @Test
  void matchesDirect2dConvolutionOnALargerImageSplitAcrossThreads() throws Exception {
    CpuTensor image = random(13, 2, 61, 47, 3);
    assertClose(naive(image, 10, 2.0), blur(image, 10, 2.0), 1e-6);
  }

  @Test
  void matchesDirect2dConvolutionOnRowsLongerThanOneAccumulatorBlock() throws Exception {
    CpuTensor image = random(20, 1, 5, 400, 3);
    assertClose(naive(image, 31, 5.0), blur(image, 31, 5.0), 1e-6);
  }

  @Test
  void radiusWiderThanTheImageFoldsTheReflection() throws Exception {
    CpuTensor image = random(14, 1, 5, 7, 3);
    assertClose(naive(image, 31, 1.0), blur(image, 31, 1.0), 1e-6);
    CpuTensor small = random(15, 2, 2, 3, 3);
    assertClose(naive(small, 2, 0.8), blur(small, 2, 0.8), 1e-6);
  }

  @Test
  void onePixelImageIsUnchanged() throws Exception {
    CpuTensor image = tensor(1, 1, 1, 3, 0.2f, 0.5f, 0.9f);
    assertClose(image.data(), blur(image, 1, 1.0).data(), 1e-6);
    assertClose(image.data(), blur(image, 31, 0.3).data(), 1e-6);
  }

  @Test
  void threeTapBlurOfARowByHand() throws Exception {
    // radius 1, a 1x3 single-channel row [0, 1, 0]: rows fold onto the row itself, so the vertical
    // weights sum to 1 and only the horizontal 1-D factor w = e / sum(e), e = (exp(-1/2), 1, exp(-1/2)) acts.
    // Reflect: x=-1 -> 1, x=3 -> 1. out[0] = w0*in[1] + w1*in[0] + w2*in[1] = 2 w0.
    double e = Math.exp(-0.5);
    double w0 = e / (1 + 2 * e);
    double w1 = 1 / (1 + 2 * e);
    CpuTensor out = blur(tensor(1, 1, 3, 1, 0f, 1f, 0f), 1, 1.0);
    assertClose(new float[] {(float) (2 * w0), (float) w1, (float) (2 * w0)}, out.data(), 1e-7);
  }

  @Test
  void blurOfConstantImageIsConstant() throws Exception {
    CpuTensor image = filled(2, 33, 20, 3, 0.37f);
    CpuTensor out = blur(image, 31, 4.0);
    assertClose(image.data(), out.data(), 1e-6);
    double mean = 0;
    for (float v : out.data()) {
      mean += v;
    }
    assertEquals(0.37, mean / out.data().length, 1e-6);
  }

  @Test
  void doesNotClampOutOfRangeValues() throws Exception {
    CpuTensor image = filled(1, 4, 4, 3, 2.0f);
    assertClose(filled(1, 4, 4, 3, 2.0f).data(), blur(image, 1, 1.0).data(), 1e-6);
  }

  @Test
  void inputIsLeftUntouched() throws Exception {
    CpuTensor image = random(16, 1, 8, 8, 3);
    float[] before = image.data().clone();
    blur(image, 3, 1.0);
    assertArrayEquals(before, image.data());
  }

  @Test
  void defaultsAreRadiusOneSigmaOne() throws Exception {
    CpuTensor image = random(17, 1, 6, 6, 3);
    CpuTensor out = NodeHarness.image("ImageBlur", "image", image);
    assertClose(naive(image, 1, 1.0), out, 1e-6);
  }

  @Test
  void radiusZeroReturnsTheImageAsComfyUiDoes() throws Exception {
    CpuTensor image = random(18, 1, 3, 3, 3);
    assertSame(image, blur(image, 0, 1.0));
  }

  @Test
  void impossibleParametersFailWithAClearMessage() {
    CpuTensor image = random(19, 1, 3, 3, 3);
    NodeException sigma = assertThrows(NodeException.class, () -> blur(image, 1, 0.0));
    assertTrue(sigma.getMessage().contains("sigma"), sigma.getMessage());
    NodeException radius = assertThrows(NodeException.class, () -> blur(image, 40, 1.0));
    assertTrue(radius.getMessage().contains("blur_radius"), radius.getMessage());
  }

  @Test
  void matchesPyTorchGolden() throws Exception {
    JsonNode golden = FilterReference.golden();
    int checked = 0;
    for (JsonNode c : golden.get("cases")) {
      if (!c.get("node").asText().equals("ImageBlur")) {
        continue;
      }
      JsonNode input = golden.get("inputs").get(c.get("input").asText());
      CpuTensor image = FilterReference.tensor(input.get("shape"), input.get("data"));
      CpuTensor expected = FilterReference.tensor(input.get("shape"), c.get("output"));
      CpuTensor actual = blur(image, c.get("blur_radius").asInt(), c.get("sigma").asDouble());
      assertClose(expected, actual, 2e-6);
      checked++;
    }
    assertEquals(8, checked);
  }
}
