package dev.gpuagent.ops;

import static dev.gpuagent.ops.MaskNodes.MAX_RESOLUTION;

import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.Layout;
import dev.gpuagent.cpu.Parallel;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.Kernels;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;

/** ComfyUI's ImageCrop ({@code comfy_extras/nodes_images.py}) and ImagePadForOutpaint ({@code nodes.py}). */
final class LayoutNodes {
  private LayoutNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(IMAGE_CROP, LayoutNodes::imageCropCpu, LayoutNodes::imageCropCuda));
    registry.register(new NodeDefinition(IMAGE_PAD_FOR_OUTPAINT, LayoutNodes::padForOutpaintCpu,
        LayoutNodes::padForOutpaintCuda));
  }

  static final NodeSchema IMAGE_CROP = NodeSchema.builder("ImageCrop")
      .displayName("Crop Image")
      .category("image/transform")
      .description("The region of width x height at (x, y). As in ComfyUI, x and y are clamped to the "
          + "last column and row and the region is cut at the image's edge, so the result may be "
          + "smaller than asked.")
      .required(
          InputSpec.image("image"),
          InputSpec.integer("width", 512, 1, MAX_RESOLUTION),
          InputSpec.integer("height", 512, 1, MAX_RESOLUTION),
          InputSpec.integer("x", 0, 0, MAX_RESOLUTION),
          InputSpec.integer("y", 0, 0, MAX_RESOLUTION))
      .output(Types.IMAGE)
      .build();

  /** {@code x = min(x, W-1); y = min(y, H-1); image[:, y:y+height, x:x+width, :]}. */
  static Object[] imageCropCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    CropRegion r = CropRegion.of(call, image.shape());
    return new Object[] {Layout.crop(image, r.x(), r.y(), r.width(), r.height(), CpuBackend.of(call).parallel())};
  }

  static Object[] imageCropCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    Shape s = image.shape();
    CropRegion r = CropRegion.of(call, s);
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, Shape.image(s.batch(), r.height(), r.width(), s.channels()),
        out -> Kernels.crop(backend, image, out, r.x(), r.y()))};
  }

  /** The clipped region ImageCrop copies. */
  private record CropRegion(int x, int y, int width, int height) {
    static CropRegion of(NodeInvocation call, Shape image) {
      int width = MaskNodes.positive(call, "width");
      int height = MaskNodes.positive(call, "height");
      int x = Math.min(nonNegative(call, "x"), image.width() - 1);
      int y = Math.min(nonNegative(call, "y"), image.height() - 1);
      return new CropRegion(x, y, Math.min(width, image.width() - x), Math.min(height, image.height() - y));
    }
  }

  static final NodeSchema IMAGE_PAD_FOR_OUTPAINT = NodeSchema.builder("ImagePadForOutpaint")
      .displayName("Pad Image for Outpainting")
      .category("image")
      .description("Grows the canvas by the margins, filling them with 0.5 grey, and returns a mask "
          + "that is 1 on the margins and fades into the image over 'feathering' pixels.")
      .required(
          InputSpec.image("image"),
          margin("left"),
          margin("top"),
          margin("right"),
          margin("bottom"),
          InputSpec.integer("feathering", 40, 0, MAX_RESOLUTION))
      .output(Types.IMAGE)
      .output(Types.MASK)
      .build();

  /** ComfyUI's margins step by 8 in the UI; any value in range is accepted. */
  private static InputSpec margin(String name) {
    return new InputSpec(name, Types.INT, 0L, 0.0, (double) MAX_RESOLUTION, 8.0, null, null);
  }

  static Object[] padForOutpaintCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    Margins m = Margins.of(call, image.shape());
    Parallel parallel = CpuBackend.of(call).parallel();
    CpuTensor padded = Layout.pad(image, m.left(), m.top(), m.right(), m.bottom(), parallel);
    CpuTensor mask = Layout.outpaintMask(image.height(), image.width(), m.left(), m.top(), m.right(), m.bottom(),
        m.feathering(), parallel);
    return new Object[] {padded, mask};
  }

  static Object[] padForOutpaintCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    Shape s = image.shape();
    Margins m = Margins.of(call, s);
    int outH = s.height() + m.top() + m.bottom();
    int outW = s.width() + m.left() + m.right();
    CudaBackend backend = CudaBackend.of(call);
    CudaTensor padded = DeviceTensors.produce(backend, Shape.image(s.batch(), outH, outW, s.channels()),
        out -> Kernels.pad(backend, image, out, m.left(), m.top(), Layout.OUTPAINT_FILL));
    try {
      CudaTensor mask = DeviceTensors.produce(backend, Shape.mask(1, outH, outW),
          out -> Kernels.outpaintMask(backend, out, s.height(), s.width(), m.left(), m.top(), m.right(),
              m.bottom(), m.feathering()));
      return new Object[] {padded, mask};
    } catch (RuntimeException e) {
      padded.close();
      throw e;
    }
  }

  /** ImagePadForOutpaint's validated margins; the padded size has passed the run's image limits. */
  private record Margins(int left, int top, int right, int bottom, int feathering) {
    static Margins of(NodeInvocation call, Shape image) {
      Margins m = new Margins(nonNegative(call, "left"), nonNegative(call, "top"), nonNegative(call, "right"),
          nonNegative(call, "bottom"), nonNegative(call, "feathering"));
      long outH = (long) image.height() + m.top() + m.bottom();
      long outW = (long) image.width() + m.left() + m.right();
      call.checkImageSize(image.batch(), (int) Math.min(Integer.MAX_VALUE, outH),
          (int) Math.min(Integer.MAX_VALUE, outW));
      return m;
    }
  }

  /** An offset or margin, which a link may feed outside the widget's range. */
  private static int nonNegative(NodeInvocation call, String name) {
    int value = call.intValue(name);
    if (value < 0) {
      throw new NodeException("input '" + name + "' must be 0 or more, got " + value);
    }
    return value;
  }
}
