package dev.gpuagent.ops;

import dev.gpuagent.cpu.Convolution;
import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.Diffusion;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.Kernels;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;
import java.util.List;
import java.util.Locale;
import jcuda.driver.CUdeviceptr;

/** Convolution filters (ComfyUI's ImageBlur, ImageSharpen) and our Perona-Malik diffusion. */
final class FilterNodes {
  private static final String EDGES = " Edges use reflect padding; where the padding is wider than"
      + " the image (a 1x1 image, say), where PyTorch's reflect fails, the reflection repeats"
      + " (mirror index folding: -1 -> 1, n -> n-2, and so on).";

  private FilterNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(BLUR, FilterNodes::blurCpu, FilterNodes::blurCuda));
    registry.register(new NodeDefinition(SHARPEN, FilterNodes::sharpenCpu, FilterNodes::sharpenCuda));
    registry.register(new NodeDefinition(DIFFUSION, FilterNodes::diffusionCpu, FilterNodes::diffusionCuda));
  }

  static final NodeSchema BLUR = NodeSchema.builder("ImageBlur")
      .displayName("Image Blur")
      .category("image/postprocessing")
      .description("Gaussian blur as ComfyUI: kernel size k = 2 radius + 1, x, y = linspace(-1, 1, k),"
          + " g = exp(-(x^2 + y^2) / (2 sigma^2)) normalised to sum 1; no clamp." + EDGES)
      .required(
          InputSpec.image("image"),
          InputSpec.integer("blur_radius", 1, 1, 31),
          InputSpec.number("sigma", 1.0, 0.1, 10.0, 0.1))
      .output(Types.IMAGE)
      .build();

  private static Object[] blurCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    int radius = radius(call, "blur_radius");
    double sigma = sigma(call);
    if (radius == 0) {
      return new Object[] {image};
    }
    CpuTensor out = CpuTensor.allocate(image.shape());
    Convolution.gaussianBlur(image, out, radius, sigma, CpuBackend.of(call).parallel());
    return new Object[] {out};
  }

  private static Object[] blurCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    int radius = radius(call, "blur_radius");
    double sigma = sigma(call);
    if (radius == 0) {
      return new Object[] {image};
    }
    return new Object[] {filterCuda(call, image, radius, sigma, false, 0f)};
  }

  /** Kernels.separableFilter through a scratch buffer for the vertical pass. */
  private static CudaTensor filterCuda(NodeInvocation call, CudaTensor image, int radius, double sigma,
      boolean sharpen, float amount) {
    CudaBackend backend = CudaBackend.of(call);
    float[] weights = Convolution.gaussianWeights(radius, sigma);
    return DeviceTensors.produce(backend, image.shape(), out -> Kernels.separableFilter(backend, image, out,
        backend.scratch(image.bytes()), radius, weights, sharpen, amount));
  }

  static final NodeSchema SHARPEN = NodeSchema.builder("ImageSharpen")
      .displayName("Image Sharpen")
      .category("image/postprocessing")
      .description("Sharpen as ComfyUI: K = -10 alpha g with g ImageBlur's Gaussian kernel, the centre"
          + " raised so that K sums to 1, i.e. out = clamp(x + 10 alpha (x - blur(x)), 0, 1)." + EDGES)
      .required(
          InputSpec.image("image"),
          InputSpec.integer("sharpen_radius", 1, 1, 31),
          InputSpec.number("sigma", 1.0, 0.1, 10.0, 0.01),
          InputSpec.number("alpha", 1.0, 0.0, 5.0, 0.01))
      .output(Types.IMAGE)
      .build();

  private static Object[] sharpenCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    int radius = radius(call, "sharpen_radius");
    double sigma = sigma(call);
    double alpha = alpha(call);
    if (radius == 0) {
      return new Object[] {image};
    }
    CpuTensor out = CpuTensor.allocate(image.shape());
    Convolution.sharpen(image, out, radius, sigma, alpha, CpuBackend.of(call).parallel());
    return new Object[] {out};
  }

  /** As Convolution.sharpen: amount = (float) (10 alpha), the combination in double. */
  private static Object[] sharpenCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    int radius = radius(call, "sharpen_radius");
    double sigma = sigma(call);
    double alpha = alpha(call);
    if (radius == 0) {
      return new Object[] {image};
    }
    return new Object[] {filterCuda(call, image, radius, sigma, true, (float) (10.0 * alpha))};
  }

  private static double alpha(NodeInvocation call) {
    double alpha = call.number("alpha");
    if (!Double.isFinite(alpha)) {
      throw new NodeException("alpha must be a finite number, got " + alpha);
    }
    return alpha;
  }

  static final List<String> CONDUCTIONS = List.of("exponential", "quadratic");

  static final NodeSchema DIFFUSION = NodeSchema.builder("ImageAnisotropicDiffusion")
      .displayName("Image Anisotropic Diffusion")
      .category("image/filters")
      .description("Perona-Malik edge-preserving smoothing, per channel and image. Each step, for every"
          + " pixel p and its 4 neighbours n: d_n = I(n) - I(p) (0 across the image border),"
          + " I(p) += lambda * sum_n g(d_n) d_n, with g(d) = exp(-(d/kappa)^2) (exponential) or"
          + " 1 / (1 + (d/kappa)^2) (quadratic). kappa is the edge threshold in 0..1 intensity units;"
          + " lambda <= 0.25 keeps the scheme stable.")
      .required(
          InputSpec.image("image"),
          InputSpec.integer("steps", 20, 1, 500),
          InputSpec.number("kappa", 0.1, 0.001, 1.0, 0.001)
              .withTooltip("edge threshold: differences well above kappa are kept as edges"),
          InputSpec.number("lambda", 0.2, 0.0, 0.25, 0.01)
              .withTooltip("step size; at most 0.25 for stability"),
          InputSpec.combo("conduction", CONDUCTIONS, "exponential"))
      .output(Types.IMAGE)
      .stepBased()
      .build();

  private static Object[] diffusionCpu(NodeInvocation call) {
    CpuTensor image = CpuTensor.of(call.tensor("image"));
    DiffusionArgs a = DiffusionArgs.of(call);
    CpuTensor out = CpuTensor.allocate(image.shape());
    Diffusion.peronaMalik(image, out, a.steps(), a.kappa(), a.lambda(), a.conduction(),
        CpuBackend.of(call).parallel(), call::progress);
    return new Object[] {out};
  }

  /**
   * One kernel launch per step, ping-ponging between the output and a scratch buffer with the parity
   * chosen so that the last step writes the output (as Diffusion.peronaMalik). The stream is
   * synchronised before each step's progress report, so progress and cancellation follow the GPU.
   */
  private static Object[] diffusionCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    DiffusionArgs a = DiffusionArgs.of(call);
    CudaBackend backend = CudaBackend.of(call);
    float invKappa2 = (float) (1.0 / (a.kappa() * a.kappa()));
    float lambda = (float) a.lambda();
    boolean exponential = a.conduction() == Diffusion.Conduction.EXPONENTIAL;
    return new Object[] {DeviceTensors.produce(backend, image.shape(), out -> {
      CUdeviceptr scratch = a.steps() > 1 ? backend.scratch(image.bytes()) : null;
      CUdeviceptr source = image.pointer();
      for (int step = 1; step <= a.steps(); step++) {
        CUdeviceptr target = (a.steps() - step) % 2 == 0 ? out.pointer() : scratch;
        Kernels.diffusionStep(backend, source, target, image.shape(), invKappa2, lambda, exponential);
        source = target;
        backend.synchronize();
        call.progress(step, a.steps());
      }
    })};
  }

  /** ImageAnisotropicDiffusion's validated arguments. */
  private record DiffusionArgs(int steps, double kappa, double lambda, Diffusion.Conduction conduction) {
    static DiffusionArgs of(NodeInvocation call) {
      int steps = call.intValue("steps");
      double kappa = call.number("kappa");
      double lambda = call.number("lambda");
      Diffusion.Conduction conduction =
          Diffusion.Conduction.valueOf(call.choice("conduction").toUpperCase(Locale.ROOT));
      if (steps < 1 || steps > 500) {
        throw new NodeException("steps must be between 1 and 500, got " + steps);
      }
      if (!(kappa > 0) || !Double.isFinite(kappa)) {
        throw new NodeException("kappa must be a positive number, got " + kappa);
      }
      if (!(lambda >= 0 && lambda <= 0.25)) {
        throw new NodeException("lambda must be between 0 and 0.25 (larger steps are unstable), got " + lambda);
      }
      return new DiffusionArgs(steps, kappa, lambda, conduction);
    }
  }

  /** ComfyUI returns the image unchanged for radius 0; the widget allows 1..31. */
  private static int radius(NodeInvocation call, String name) {
    int radius = call.intValue(name);
    if (radius < 0 || radius > 31) {
      throw new NodeException(name + " must be between 1 and 31, got " + radius);
    }
    return radius;
  }

  private static double sigma(NodeInvocation call) {
    double sigma = call.number("sigma");
    if (!(sigma > 0) || !Double.isFinite(sigma)) {
      throw new NodeException("sigma must be a positive number, got " + sigma);
    }
    return sigma;
  }
}
