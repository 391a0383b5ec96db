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
import dev.gpuagent.engine.Shape;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.Kernels;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;

/** ImageBlend and ImageCompositeMasked: combining two images, as ComfyUI does. */
final class BlendNodes {
  private BlendNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(IMAGE_BLEND, BlendNodes::imageBlendCpu, BlendNodes::imageBlendCuda));
    registry.register(new NodeDefinition(IMAGE_COMPOSITE_MASKED, BlendNodes::imageCompositeMaskedCpu,
        BlendNodes::imageCompositeMaskedCuda));
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
    checkBlendBatches(image1.shape(), image2.shape());
    image2 = AlphaFix.fit(image2, image1.channels(), "image2", "image1", parallel);
    if (image2.height() != image1.height() || image2.width() != image1.width()) {
      image2 = ScaleNodes.commonUpscale(call, image2, image1.width(), image1.height(),
          ResampleMethod.BICUBIC, true);
    }
    call.checkImageSize(Math.max(image1.batch(), image2.batch()), image1.height(), image1.width());
    return new Object[] {Blend.blend(image1, image2, factor, mode, parallel)};
  }

  /** As the CPU one: alpha fix and bicubic centre-crop resize of image2 on the device first. */
  static Object[] imageBlendCuda(NodeInvocation call) {
    CudaBackend backend = CudaBackend.of(call);
    CudaTensor image1 = DeviceTensors.of(call.tensor("image1"));
    CudaTensor input2 = DeviceTensors.of(call.tensor("image2"));
    double factor = call.number("blend_factor");
    Blend.Mode mode = Blend.Mode.fromComfyName(call.choice("blend_mode"));
    Shape s1 = image1.shape();
    checkBlendBatches(s1, input2.shape());
    CudaTensor fitted = DeviceTensors.alphaFit(backend, input2, s1.channels(), "image2", "image1");
    CudaTensor image2 = fitted;
    try {
      if (fitted.shape().height() != s1.height() || fitted.shape().width() != s1.width()) {
        image2 = ScaleNodes.commonUpscale(call, fitted, s1.width(), s1.height(), ResampleMethod.BICUBIC, true);
      }
      int batch = Math.max(s1.batch(), image2.shape().batch());
      call.checkImageSize(batch, s1.height(), s1.width());
      CudaTensor b = image2;
      return new Object[] {DeviceTensors.produce(backend, new Shape(batch, s1.height(), s1.width(), s1.channels()),
          out -> Kernels.blend(backend, image1, b, out, factor, mode))};
    } finally {
      DeviceTensors.closeTemporary(image2, input2);
      DeviceTensors.closeTemporary(fitted, input2);
    }
  }

  private static void checkBlendBatches(Shape image1, Shape image2) {
    int b1 = image1.batch();
    int b2 = image2.batch();
    if (b1 != b2 && b1 != 1 && b2 != 1) {
      throw new NodeException("ImageBlend cannot pair a batch of " + b1 + " images (image1) with a batch of "
          + b2 + " (image2); the batch sizes must match or one of them must be 1");
    }
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
    int x = offset(call, "x");
    int y = offset(call, "y");
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
      if (maskNeedsResize(call, mask.shape(), source.shape())) {
        mask = Resample.resize(mask, source.height(), source.width(), ResampleMethod.BILINEAR, parallel);
      }
    }
    return new Object[] {Composite.composite(destination, source, x, y, mask, parallel)};
  }

  /** As the CPU one, every resize on the device; intermediates are freed before returning. */
  static Object[] imageCompositeMaskedCuda(NodeInvocation call) {
    CudaBackend backend = CudaBackend.of(call);
    CudaTensor destination = DeviceTensors.of(call.tensor("destination"));
    CudaTensor input = DeviceTensors.of(call.tensor("source"));
    int x = offset(call, "x");
    int y = offset(call, "y");
    Shape d = destination.shape();
    CudaTensor fitted = DeviceTensors.alphaFit(backend, input, d.channels(), "source", "destination");
    CudaTensor source = fitted;
    CudaTensor maskInput = null;
    CudaTensor mask = null;
    try {
      Shape s = fitted.shape();
      if (call.bool("resize_source") && (s.height() != d.height() || s.width() != d.width())) {
        source = DeviceTensors.resize(backend, fitted, Resample.Region.whole(s), d.height(), d.width(),
            ResampleMethod.BILINEAR);
      }
      Shape src = source.shape();
      Tensor m = call.optionalTensor("mask");
      if (m != null) {
        maskInput = DeviceTensors.of(m);
        mask = maskInput;
        if (maskNeedsResize(call, maskInput.shape(), src)) {
          mask = DeviceTensors.resize(backend, maskInput, Resample.Region.whole(maskInput.shape()), src.height(),
              src.width(), ResampleMethod.BILINEAR);
        }
      }
      CudaTensor finalSource = source;
      CudaTensor finalMask = mask;
      return new Object[] {DeviceTensors.produce(backend, d,
          out -> Kernels.composite(backend, destination, finalSource, x, y, finalMask, out))};
    } finally {
      if (mask != null) {
        DeviceTensors.closeTemporary(mask, maskInput);
      }
      DeviceTensors.closeTemporary(source, input);
      DeviceTensors.closeTemporary(fitted, input);
    }
  }

  private static int offset(NodeInvocation call, String name) {
    int value = call.intValue(name);
    if (value < 0) {
      throw new NodeException("x and y must be at least 0, got " + call.intValue("x") + ", " + call.intValue("y"));
    }
    return value;
  }

  /** Checks the mask is one channel; whether it needs resizing to the source (size checked first). */
  private static boolean maskNeedsResize(NodeInvocation call, Shape mask, Shape source) {
    if (mask.channels() != 1) {
      throw new NodeException("mask must be a MASK (one channel), got a tensor " + mask);
    }
    if (mask.height() != source.height() || mask.width() != source.width()) {
      call.checkImageSize(mask.batch(), source.height(), source.width());
      return true;
    }
    return false;
  }
}
