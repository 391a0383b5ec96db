package dev.gpuagent.ops;

import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.MaskOps;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.Kernels;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;
import java.util.List;

/** ComfyUI's mask nodes ({@code comfy_extras/nodes_mask.py}): names, defaults and formulas as there. */
final class MaskNodes {
  private MaskNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(SOLID_MASK, MaskNodes::solidMaskCpu, MaskNodes::solidMaskCuda));
    registry.register(new NodeDefinition(INVERT_MASK, MaskNodes::invertMaskCpu, MaskNodes::invertMaskCuda));
    registry.register(new NodeDefinition(THRESHOLD_MASK, MaskNodes::thresholdMaskCpu, MaskNodes::thresholdMaskCuda));
    registry.register(new NodeDefinition(MASK_TO_IMAGE, MaskNodes::maskToImageCpu, MaskNodes::maskToImageCuda));
    registry.register(new NodeDefinition(IMAGE_TO_MASK, MaskNodes::imageToMaskCpu, MaskNodes::imageToMaskCuda));
  }

  /** ComfyUI's MAX_RESOLUTION. */
  static final int MAX_RESOLUTION = 16384;

  static final NodeSchema SOLID_MASK = NodeSchema.builder("SolidMask")
      .category("mask")
      .description("A mask of one size filled with one value.")
      .required(
          InputSpec.number("value", 1.0, 0.0, 1.0, 0.01),
          InputSpec.integer("width", 512, 1, MAX_RESOLUTION),
          InputSpec.integer("height", 512, 1, MAX_RESOLUTION))
      .output(Types.MASK)
      .build();

  static Object[] solidMaskCpu(NodeInvocation call) {
    Shape shape = solidMaskShape(call);
    float value = (float) call.number("value");
    return new Object[] {MaskOps.solid(shape.height(), shape.width(), value, CpuBackend.of(call).parallel())};
  }

  static Object[] solidMaskCuda(NodeInvocation call) {
    Shape shape = solidMaskShape(call);
    float value = (float) call.number("value");
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, shape, out -> Kernels.fill(backend, out, value))};
  }

  private static Shape solidMaskShape(NodeInvocation call) {
    int width = positive(call, "width");
    int height = positive(call, "height");
    call.checkImageSize(1, height, width);
    return Shape.mask(1, height, width);
  }

  static final NodeSchema INVERT_MASK = NodeSchema.builder("InvertMask")
      .category("mask")
      .description("1 - mask.")
      .required(InputSpec.mask("mask"))
      .output(Types.MASK)
      .build();

  static Object[] invertMaskCpu(NodeInvocation call) {
    CpuTensor mask = CpuTensor.of(call.tensor("mask"));
    return new Object[] {MaskOps.invert(mask, CpuBackend.of(call).parallel())};
  }

  static Object[] invertMaskCuda(NodeInvocation call) {
    CudaTensor mask = DeviceTensors.of(call.tensor("mask"));
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, mask.shape(), out -> Kernels.invert(backend, mask, out))};
  }

  static final NodeSchema THRESHOLD_MASK = NodeSchema.builder("ThresholdMask")
      .category("mask")
      .description("1 where the mask is above the value, else 0.")
      .required(InputSpec.mask("mask"), InputSpec.number("value", 0.5, 0.0, 1.0, 0.01))
      .output(Types.MASK)
      .build();

  static Object[] thresholdMaskCpu(NodeInvocation call) {
    CpuTensor mask = CpuTensor.of(call.tensor("mask"));
    return new Object[] {MaskOps.threshold(mask, call.number("value"), CpuBackend.of(call).parallel())};
  }

  /** The threshold rounded to float first, as MaskOps.threshold (and PyTorch) compare. */
  static Object[] thresholdMaskCuda(NodeInvocation call) {
    CudaTensor mask = DeviceTensors.of(call.tensor("mask"));
    float t = (float) call.number("value");
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, mask.shape(), out -> Kernels.threshold(backend, mask, out, t))};
  }

  static final NodeSchema MASK_TO_IMAGE = NodeSchema.builder("MaskToImage")
      .displayName("Convert Mask to Image")
      .category("mask")
      .description("A grey image with the mask in its red, green and blue channels.")
      .required(InputSpec.mask("mask"))
      .output(Types.IMAGE)
      .build();

  static Object[] maskToImageCpu(NodeInvocation call) {
    CpuTensor mask = CpuTensor.of(call.tensor("mask"));
    checkMask(mask.shape());
    return new Object[] {MaskOps.toImage(mask, CpuBackend.of(call).parallel())};
  }

  static Object[] maskToImageCuda(NodeInvocation call) {
    CudaTensor mask = DeviceTensors.of(call.tensor("mask"));
    Shape m = checkMask(mask.shape());
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, Shape.image(m.batch(), m.height(), m.width(), 3),
        out -> Kernels.maskToImage(backend, mask, out))};
  }

  private static Shape checkMask(Shape mask) {
    if (mask.channels() != 1) {
      throw new NodeException("MaskToImage needs a mask, got a tensor with " + mask.channels()
          + " channels " + mask);
    }
    return mask;
  }

  static final List<String> CHANNELS = List.of("red", "green", "blue", "alpha");

  static final NodeSchema IMAGE_TO_MASK = NodeSchema.builder("ImageToMask")
      .displayName("Convert Image to Mask")
      .category("mask")
      .description("One channel of an image as a mask. 'alpha' needs an RGBA image.")
      .required(InputSpec.image("image"), InputSpec.combo("channel", CHANNELS, "red"))
      .output(Types.MASK)
      .build();

  /**
   * ComfyUI indexes {@code image[:, :, :, 3]} for alpha and fails with an IndexError on an RGB
   * image; here that is a NodeException saying what to connect instead.
   */
  static Object[] imageToMaskCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    int index = channelIndex(call, image.shape());
    return new Object[] {MaskOps.channel(image, index, CpuBackend.of(call).parallel())};
  }

  static Object[] imageToMaskCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    int index = channelIndex(call, image.shape());
    Shape s = image.shape();
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, Shape.mask(s.batch(), s.height(), s.width()),
        out -> Kernels.extractChannel(backend, image, out, index))};
  }

  private static int channelIndex(NodeInvocation call, Shape image) {
    String channel = call.choice("channel");
    int index = CHANNELS.indexOf(channel);
    if (index >= image.channels()) {
      throw new NodeException("ImageToMask: channel '" + channel + "' needs an image with "
          + (index + 1) + " channels, but the image has " + image.channels() + " "
          + image + (index == 3 ? "; load it with its alpha channel (RGBA) or pick red, green or blue" : ""));
    }
    return index;
  }

  /** A size from an INT input, which a link may feed outside the widget's range. */
  static int positive(NodeInvocation call, String name) {
    int value = call.intValue(name);
    if (value < 1) {
      throw new NodeException("input '" + name + "' must be at least 1, got " + value);
    }
    return value;
  }
}
