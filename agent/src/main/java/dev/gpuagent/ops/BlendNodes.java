package dev.gpuagent.ops;

import dev.gpuagent.cpu.AlphaFix;
import dev.gpuagent.cpu.Blend;
import dev.gpuagent.cpu.Composite;
import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.Parallel;
import dev.gpuagent.cpu.Resample;
import dev.gpuagent.cpu.ResampleMethod;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;

/** ImageBlend and ImageCompositeMasked: combining two images, as ComfyUI does. */
final class BlendNodes {
  private BlendNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(IMAGE_BLEND, BlendNodes::imageBlendCpu, null));
    registry.register(new NodeDefinition(IMAGE_COMPOSITE_MASKED, BlendNodes::imageCompositeMaskedCpu, null));
  }

  static final NodeSchema IMAGE_BLEND = NodeSchema.builder("ImageBlend")
      .category("image/postprocessing")
      .description("Mixes image2 into image1: clamp(image1 * (1 - f) + mode(image1, image2) * f, 0, 1). "
          + "image2 is resized (bicubic, centre crop) to image1's size when they differ; a batch of 1 "
          + "is blended with every image of the other input.")
      .required(
          InputSpec.image("image1"),
          InputSpec.image("image2"),
          InputSpec.number("blend_factor", 0.5, 0.0, 1.0, 0.01),
          InputSpec.combo("blend_mode", Blend.Mode.comfyNames(), Blend.Mode.NORMAL.comfyName()))
      .output(Types.IMAGE)
      .build();

  static Object[] imageBlendCpu(NodeInvocation call) {
    Parallel parallel = CpuBackend.of(call).parallel();
    CpuTensor image1 = CpuTensor.of(call.tensor("image1"));
    CpuTensor image2 = CpuTensor.of(call.tensor("image2"));
    double factor = call.number("blend_factor");
    Blend.Mode mode = Blend.Mode.fromComfyName(call.choice("blend_mode"));
    int b1 = image1.batch();
    int b2 = image2.batch();
    if (b1 != b2 && b1 != 1 && b2 != 1) {
      throw new NodeException("ImageBlend cannot pair a batch of " + b1 + " images (image1) with a batch of "
          + b2 + " (image2); the batch sizes must match or one of them must be 1");
    }
    image2 = AlphaFix.fit(image2, image1.channels(), "image2", "image1", parallel);
    if (image2.height() != image1.height() || image2.width() != image1.width()) {
      image2 = ScaleNodes.commonUpscale(call, image2, image1.width(), image1.height(),
          ResampleMethod.BICUBIC, true);
    }
    call.checkImageSize(Math.max(b1, b2), image1.height(), image1.width());
    return new Object[] {Blend.blend(image1, image2, factor, mode, parallel)};
  }

  static final NodeSchema IMAGE_COMPOSITE_MASKED = NodeSchema.builder("ImageCompositeMasked")
      .category("image")
      .description("Pastes source onto a copy of destination with its top-left corner at (x, y), "
          + "weighted by the optional mask (resized to the source); parts past the edges are dropped.")
      .required(
          InputSpec.image("destination"),
          InputSpec.image("source"),
          InputSpec.integer("x", 0, 0, ScaleNodes.MAX_RESOLUTION),
          InputSpec.integer("y", 0, 0, ScaleNodes.MAX_RESOLUTION),
          InputSpec.bool("resize_source", false)
              .withTooltip("stretch the source to the destination's size first (bilinear)"))
      .optional(InputSpec.mask("mask"))
      .output(Types.IMAGE)
      .build();

  static Object[] imageCompositeMaskedCpu(NodeInvocation call) {
    Parallel parallel = CpuBackend.of(call).parallel();
    CpuTensor destination = CpuTensor.of(call.tensor("destination"));
    CpuTensor source = CpuTensor.of(call.tensor("source"));
    int x = call.intValue("x");
    int y = call.intValue("y");
    if (x < 0 || y < 0) {
      throw new NodeException("x and y must be at least 0, got " + x + ", " + y);
    }
    source = AlphaFix.fit(source, destination.channels(), "source", "destination", parallel);
    if (call.bool("resize_source")
        && (source.height() != destination.height() || source.width() != destination.width())) {
      source = Resample.resize(source, destination.height(), destination.width(),
          ResampleMethod.BILINEAR, parallel);
    }
    Tensor maskInput = call.optionalTensor("mask");
    CpuTensor mask = null;
    if (maskInput != null) {
      mask = CpuTensor.of(maskInput);
      if (mask.channels() != 1) {
        throw new NodeException("mask must be a MASK (one channel), got a tensor " + mask.shape());
      }
      if (mask.height() != source.height() || mask.width() != source.width()) {
        call.checkImageSize(mask.batch(), source.height(), source.width());
        mask = Resample.resize(mask, source.height(), source.width(), ResampleMethod.BILINEAR, parallel);
      }
    }
    return new Object[] {Composite.composite(destination, source, x, y, mask, parallel)};
  }
}
