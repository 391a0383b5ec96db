package dev.gpuagent.ops;

import static dev.gpuagent.ops.NodeHarness.assertClose;
import static dev.gpuagent.ops.NodeHarness.assertShape;
import static dev.gpuagent.ops.NodeHarness.image;
import static dev.gpuagent.ops.NodeHarness.random;
import static dev.gpuagent.ops.NodeHarness.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskNodesTest {

  private static NodeSchema schema(String classType) {
    return NodeHarness.REGISTRY.schema(classType).orElseThrow();
  }

  @Test
  void schemasMatchComfyUi() {
    NodeSchema solid = schema("SolidMask");
    assertEquals("mask", solid.category());
    assertEquals(List.of("value", "width", "height"), solid.required().stream().map(InputSpec::name).toList());
    InputSpec value = solid.input("value").orElseThrow();
    assertEquals(1.0, value.defaultValue());
    assertEquals(0.0, value.min());
    assertEquals(1.0, value.max());
    assertEquals(0.01, value.step());
    InputSpec width = solid.input("width").orElseThrow();
    assertEquals(512L, width.defaultValue());
    assertEquals(1.0, width.min());
    assertEquals(16384.0, width.max());
    assertEquals(List.of("MASK"), solid.outputTypes());

    InputSpec threshold = schema("ThresholdMask").input("value").orElseThrow();
    assertEquals(0.5, threshold.defaultValue());
    assertEquals(0.01, threshold.step());

    NodeSchema toMask = schema("ImageToMask");
    assertEquals("Convert Image to Mask", toMask.displayName());
    assertEquals(List.of("red", "green", "blue", "alpha"), toMask.input("channel").orElseThrow().options());
    assertEquals(List.of("MASK"), toMask.outputTypes());
    NodeSchema toImage = schema("MaskToImage");
    assertEquals("Convert Mask to Image", toImage.displayName());
    assertEquals(List.of("IMAGE"), toImage.outputTypes());
    for (String type : List.of("SolidMask", "InvertMask", "ThresholdMask", "MaskToImage", "ImageToMask")) {
      assertEquals("mask", schema(type).category(), type);
    }
  }

  @Test
  void solidMaskOfOddSizeIsOneMaskFilledWithTheValue() throws Exception {
    CpuTensor mask = image("SolidMask", "value", 0.3, "width", 3, "height", 5);
    assertShape(Shape.mask(1, 5, 3), mask);
    for (float v : mask.data()) {
      assertEquals(0.3f, v);
    }
  }

  @Test
  void solidMaskOfOnePixel() throws Exception {
    CpuTensor mask = image("SolidMask", "value", 1.0, "width", 1, "height", 1);
    assertClose(tensor(1, 1, 1, 1, 1f), mask, 0);
  }

  @Test
  void solidMaskOverTheSizeLimitFailsBeforeAllocating() {
    NodeException e = assertThrows(NodeException.class,
        () -> NodeHarness.run("SolidMask", "value", 1.0, "width", 16384, "height", 16384));
    assertTrue(e.getMessage().contains("16384x16384"), e.getMessage());
  }

  @Test
  void solidMaskRejectsLinkedSizeBelowOne() {
    NodeException e = assertThrows(NodeException.class,
        () -> NodeHarness.run("SolidMask", "value", 1.0, "width", 0, "height", 4));
    assertEquals("input 'width' must be at least 1, got 0", e.getMessage());
  }

  @Test
  void invertMaskIsOneMinusMaskForEveryBatchItem() throws Exception {
    CpuTensor mask = tensor(2, 3, 1, 1, 0f, 0.25f, 1f, 0.7f, 0.1f, 0.999f);
    CpuTensor out = image("InvertMask", "mask", mask);
    assertClose(tensor(2, 3, 1, 1, 1f, 0.75f, 0f, 1f - 0.7f, 1f - 0.1f, 1f - 0.999f), out, 0);
  }

  @Test
  void invertMaskDoesNotTouchItsInput() throws Exception {
    CpuTensor mask = random(3, 2, 5, 7, 1);
    float[] before = mask.data().clone();
    CpuTensor out = image("InvertMask", "mask", mask);
    assertClose(before, mask.data(), 0);
    for (int i = 0; i < before.length; i++) {
      assertEquals(1.0f - before[i], out.data()[i]);
    }
  }

  @Test
  void thresholdMaskIsStrictlyAbove() throws Exception {
    CpuTensor mask = tensor(1, 2, 3, 1, 0f, 0.1f, 0.5f, 0.50001f, 1f, 0.49f);
    CpuTensor out = image("ThresholdMask", "mask", mask, "value", 0.5);
    assertClose(tensor(1, 2, 3, 1, 0f, 0f, 0f, 1f, 1f, 0f), out, 0);
  }

  @Test
  void thresholdComparesInFloat32LikePyTorch() throws Exception {
    // 0.1f is 0.10000000149 > 0.1 in double, but torch compares float32 with float32(0.1).
    CpuTensor out = image("ThresholdMask", "mask", tensor(1, 1, 2, 1, 0.1f, 0.2f), "value", 0.1);
    assertClose(tensor(1, 1, 2, 1, 0f, 1f), out, 0);
  }

  @Test
  void thresholdAtTheEndsOfTheRange() throws Exception {
    CpuTensor mask = tensor(2, 1, 2, 1, 0f, 1f, 0.000001f, 0.99f);
    assertClose(tensor(2, 1, 2, 1, 0f, 1f, 1f, 1f), image("ThresholdMask", "mask", mask, "value", 0.0), 0);
    assertClose(tensor(2, 1, 2, 1, 0f, 0f, 0f, 0f), image("ThresholdMask", "mask", mask, "value", 1.0), 0);
  }

  @Test
  void maskToImageRepeatsTheMaskInThreeChannels() throws Exception {
    CpuTensor mask = random(5, 2, 3, 5, 1);
    CpuTensor out = image("MaskToImage", "mask", mask);
    assertShape(Shape.image(2, 3, 5, 3), out);
    for (int b = 0; b < 2; b++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 5; x++) {
          for (int c = 0; c < 3; c++) {
            assertEquals(mask.get(b, y, x, 0), out.get(b, y, x, c));
          }
        }
      }
    }
  }

  @Test
  void maskToImageOfOnePixel() throws Exception {
    assertClose(tensor(1, 1, 1, 3, 0.4f, 0.4f, 0.4f), image("MaskToImage", "mask", tensor(1, 1, 1, 1, 0.4f)), 0);
  }

  @Test
  void imageToMaskTakesEachColourChannel() throws Exception {
    CpuTensor img = random(7, 2, 3, 5, 3);
    List<String> channels = List.of("red", "green", "blue");
    for (int c = 0; c < 3; c++) {
      CpuTensor out = image("ImageToMask", "image", img, "channel", channels.get(c));
      assertShape(Shape.mask(2, 3, 5), out);
      for (int b = 0; b < 2; b++) {
        for (int y = 0; y < 3; y++) {
          for (int x = 0; x < 5; x++) {
            assertEquals(img.get(b, y, x, c), out.get(b, y, x, 0), channels.get(c));
          }
        }
      }
    }
  }

  @Test
  void imageToMaskTakesAlphaOfAnRgbaImage() throws Exception {
    CpuTensor rgba = tensor(2, 1, 2, 4,
        0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f,
        0.9f, 1.0f, 0.0f, 0.25f, 0.35f, 0.45f, 0.55f, 0.65f);
    assertClose(tensor(2, 1, 2, 1, 0.4f, 0.8f, 0.25f, 0.65f),
        image("ImageToMask", "image", rgba, "channel", "alpha"), 0);
    assertClose(tensor(2, 1, 2, 1, 0.3f, 0.7f, 0.0f, 0.55f),
        image("ImageToMask", "image", rgba, "channel", "blue"), 0);
  }

  @Test
  void imageToMaskAlphaOfAnRgbImageFailsClearly() {
    NodeException e = assertThrows(NodeException.class,
        () -> NodeHarness.run("ImageToMask", "image", random(1, 1, 2, 2, 3), "channel", "alpha"));
    assertEquals("ImageToMask: channel 'alpha' needs an image with 4 channels, but the image has 3 "
        + "[1,2,2,3]; load it with its alpha channel (RGBA) or pick red, green or blue", e.getMessage());
  }

  @Test
  void imageToMaskRejectsAChannelNotInTheList() {
    NodeException e = assertThrows(NodeException.class,
        () -> NodeHarness.run("ImageToMask", "image", random(1, 1, 2, 2, 3), "channel", "luma"));
    assertTrue(e.getMessage().contains("'luma' not in [red, green, blue, alpha]"), e.getMessage());
  }

  @Test
  void largeMasksTakeTheParallelPath() throws Exception {
    CpuTensor mask = random(9, 1, 301, 257, 1);
    CpuTensor out = image("ThresholdMask", "mask", mask, "value", 0.25);
    for (int i = 0; i < mask.data().length; i++) {
      assertEquals(mask.data()[i] > 0.25f ? 1f : 0f, out.data()[i], "element " + i);
    }
    CpuTensor img = image("MaskToImage", "mask", mask);
    for (int i = 0; i < mask.data().length; i++) {
      assertEquals(mask.data()[i], img.data()[3 * i + 2], "element " + i);
    }
  }
}
