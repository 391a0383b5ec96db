package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gpuagent.cpu.CpuTensor;
import org.junit.jupiter.api.Test;

class ImageInvertTest {
  @Test
  void invertsEveryChannel() throws Exception {
    CpuTensor image = NodeHarness.tensor(1, 1, 2, 3, 0f, 0.25f, 1f, 1.5f, -0.5f, 0.1f);
    CpuTensor out = NodeHarness.image("ImageInvert", "image", image);
    NodeHarness.assertClose(new float[] {1f, 0.75f, 0f, -0.5f, 1.5f, 1f - 0.1f}, out.data(), 0);
  }

  @Test
  void invertsAlphaToo() throws Exception {
    CpuTensor image = NodeHarness.random(7, 2, 3, 5, 4);
    CpuTensor out = NodeHarness.image("ImageInvert", "image", image);
    assertEquals(image.shape(), out.shape());
    float[] expected = new float[image.data().length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = 1f - image.data()[i];
    }
    NodeHarness.assertClose(expected, out.data(), 0);
  }

  @Test
  void leavesTheInputUntouched() throws Exception {
    CpuTensor image = NodeHarness.random(1, 1, 200, 300, 3);
    float[] before = image.data().clone();
    CpuTensor out = NodeHarness.image("ImageInvert", "image", image);
    NodeHarness.assertClose(before, image.data(), 0);
    for (int i = 0; i < before.length; i++) {
      assertEquals(1f - before[i], out.data()[i]);
    }
  }
}
