package dev.gpuagent.ops;

import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.Resample;
import dev.gpuagent.cpu.ResampleMethod;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;
import java.util.List;

/** ImageScale and ImageScaleBy: ComfyUI's image resizing ({@code comfy.utils.common_upscale}). */
final class ScaleNodes {
  /** ComfyUI's MAX_RESOLUTION, the widget bound of sizes and offsets. */
  static final int MAX_RESOLUTION = 16384;

  private static final InputSpec UPSCALE_METHOD = InputSpec.combo("upscale_method",
      ResampleMethod.comfyNames(), ResampleMethod.NEAREST_EXACT.comfyName())
      .withTooltip("nearest-exact, bilinear, area and bicubic as PyTorch's interpolate; lanczos as "
          + "Pillow's on the 8-bit image");

  private ScaleNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(IMAGE_SCALE, ScaleNodes::imageScaleCpu, ScaleNodes::imageScaleCuda));
    registry.register(new NodeDefinition(IMAGE_SCALE_BY, ScaleNodes::imageScaleByCpu, ScaleNodes::imageScaleByCuda));
  }

  static final NodeSchema IMAGE_SCALE = NodeSchema.builder("ImageScale")
      .displayName("Upscale Image")
      .category("image/upscaling")
      .description("Resizes images to a width and height; a side of 0 keeps the aspect ratio, and "
          + "crop 'center' first cuts the image to the target aspect.")
      .required(
          InputSpec.image("image"),
          UPSCALE_METHOD,
          InputSpec.integer("width", 512, 0, MAX_RESOLUTION).withTooltip("0 keeps the aspect ratio"),
          InputSpec.integer("height", 512, 0, MAX_RESOLUTION).withTooltip("0 keeps the aspect ratio"),
          InputSpec.combo("crop", List.of("disabled", "center"), "disabled"))
      .output(Types.IMAGE)
      .build();

  static Object[] imageScaleCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    int[] size = scaleSize(call, image.shape());
    if (size == null) {
      return new Object[] {image};
    }
    return new Object[] {commonUpscale(call, image, size[0], size[1], method(call),
        call.choice("crop").equals("center"))};
  }

  static Object[] imageScaleCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    int[] size = scaleSize(call, image.shape());
    if (size == null) {
      return new Object[] {image};
    }
    return new Object[] {commonUpscale(call, image, size[0], size[1], method(call),
        call.choice("crop").equals("center"))};
  }

  private static ResampleMethod method(NodeInvocation call) {
    return ResampleMethod.fromComfyName(call.choice("upscale_method"));
  }

  /** ImageScale's target {width, height}, a 0 side keeping the aspect; null when both are 0. */
  private static int[] scaleSize(NodeInvocation call, Shape image) {
    int width = call.intValue("width");
    int height = call.intValue("height");
    if (width < 0 || height < 0) {
      throw new NodeException("width and height must be at least 0, got " + width + "x" + height);
    }
    if (width == 0 && height == 0) {
      return null;
    }
    if (width == 0) {
      width = Math.max(1, (int) Math.rint((double) ((long) image.width() * height) / image.height()));
    } else if (height == 0) {
      height = Math.max(1, (int) Math.rint((double) ((long) image.height() * width) / image.width()));
    }
    return new int[] {width, height};
  }

  static final NodeSchema IMAGE_SCALE_BY = NodeSchema.builder("ImageScaleBy")
      .displayName("Upscale Image By")
      .category("image/upscaling")
      .description("Resizes images by a factor; each side becomes round(side * scale_by), halves to even.")
      .required(
          InputSpec.image("image"),
          UPSCALE_METHOD,
          InputSpec.number("scale_by", 1.0, 0.01, 8.0, 0.01))
      .output(Types.IMAGE)
      .build();

  static Object[] imageScaleByCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    int[] size = scaleBySize(call, image.shape());
    return new Object[] {commonUpscale(call, image, size[0], size[1], method(call), false)};
  }

  static Object[] imageScaleByCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    int[] size = scaleBySize(call, image.shape());
    return new Object[] {commonUpscale(call, image, size[0], size[1], method(call), false)};
  }

  /** ImageScaleBy's {width, height}: round half to even of each side times the factor. */
  private static int[] scaleBySize(NodeInvocation call, Shape image) {
    double scale = call.number("scale_by");
    double w = Math.rint(image.width() * scale);
    double h = Math.rint(image.height() * scale);
    if (!(w >= 1 && h >= 1)) {
      throw new NodeException("scaling a " + image.width() + "x" + image.height() + " image by "
          + scale + " gives " + (long) w + "x" + (long) h + "; each side must come out at least 1 pixel");
    }
    call.checkImageSize(image.batch(), (int) Math.min(h, Integer.MAX_VALUE), (int) Math.min(w, Integer.MAX_VALUE));
    return new int[] {(int) w, (int) h};
  }

  /**
   * ComfyUI's {@code common_upscale}: optionally crops the source to the target aspect (equal
   * margins, centred), then resizes to {@code width x height}. Checks the output against the
   * run's image limits before allocating it.
   */
  static CpuTensor commonUpscale(NodeInvocation call, CpuTensor image, int width, int height,
      ResampleMethod method, boolean centerCrop) {
    Resample.Region region = upscaleRegion(call, image.shape(), width, height, centerCrop);
    return Resample.resize(image, region, height, width, method, CpuBackend.of(call).parallel());
  }

  /** {@link #commonUpscale} on the device (Lanczos through the host). */
  static CudaTensor commonUpscale(NodeInvocation call, CudaTensor image, int width, int height,
      ResampleMethod method, boolean centerCrop) {
    Resample.Region region = upscaleRegion(call, image.shape(), width, height, centerCrop);
    return DeviceTensors.resize(CudaBackend.of(call), image, region, height, width, method);
  }

  /** The checked output size and the source region {@code common_upscale} resizes. */
  private static Resample.Region upscaleRegion(NodeInvocation call, Shape image, int width, int height,
      boolean centerCrop) {
    call.checkImageSize(image.batch(), height, width);
    Resample.Region region = centerCrop
        ? Resample.centerCrop(image.width(), image.height(), width, height)
        : Resample.Region.whole(image);
    if (region.isEmpty()) {
      throw new NodeException("a centre crop of the " + image.width() + "x" + image.height()
          + " image to the aspect ratio of " + width + "x" + height + " leaves no pixels");
    }
    return region;
  }
}
