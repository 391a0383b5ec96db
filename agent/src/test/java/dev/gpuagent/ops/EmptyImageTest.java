package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import org.junit.jupiter.api.Test;

class EmptyImageTest {
  @Test
  void defaultsAreA512SquareBlackImage() throws Exception {
    CpuTensor image = NodeHarness.image("EmptyImage");
    assertEquals(Shape.image(1, 512, 512, 3), image.shape());
    for (float v : image.data()) {
      assertEquals(0f, v);
    }
  }

  @Test
  void colourSplitsIntoChannelsOver255() throws Exception {
    CpuTensor image = NodeHarness.image("EmptyImage", "width", 3, "height", 2, "batch_size", 2, "color", 0xFF8001);
    assertEquals(Shape.image(2, 2, 3, 3), image.shape());
    float r = 1f;
    float g = (float) (128 / 255.0);
    float b = (float) (1 / 255.0);
    for (int i = 0; i < image.data().length; i += 3) {
      assertEquals(r, image.data()[i]);
      assertEquals(g, image.data()[i + 1]);
      assertEquals(b, image.data()[i + 2]);
    }
  }

  @Test
  void whiteIsExactlyOne() throws Exception {
    CpuTensor image = NodeHarness.image("EmptyImage", "width", 1, "height", 1, "color", 0xFFFFFF);
    assertEquals(Shape.image(1, 1, 1, 3), image.shape());
    NodeHarness.assertClose(new float[] {1f, 1f, 1f}, image.data(), 0);
  }

  @Test
  void largeOddImageIsFilledEverywhere() throws Exception {
    CpuTensor image = NodeHarness.image("EmptyImage", "width", 301, "height", 177, "color", 0x00FF00);
    for (int i = 0; i < image.data().length; i += 3) {
      assertEquals(0f, image.data()[i]);
      assertEquals(1f, image.data()[i + 1]);
    }
  }

  @Test
  void sizeOverTheLimitsIsRefused() {
    NodeException e = assertThrows(NodeException.class,
        () -> NodeHarness.image("EmptyImage", "width", 16384, "height", 16384, "batch_size", 4096));
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
  }
}
