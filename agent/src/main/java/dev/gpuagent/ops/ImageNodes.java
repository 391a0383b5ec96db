package dev.gpuagent.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.ImageBasics;
import dev.gpuagent.cpu.ImageDecoder;
import dev.gpuagent.cpu.Parallel;
import dev.gpuagent.cpu.PngEncoder;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.OutputFile;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.HostParallel;
import dev.gpuagent.gpu.Kernels;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;
import java.io.IOException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import jcuda.driver.CUdeviceptr;

/**
 * ComfyUI's basic image nodes (nodes.py: LoadImage, SaveImage, PreviewImage, EmptyImage,
 * ImageInvert) and ComfyDeploy's external image input.
 */
final class ImageNodes {
  private ImageNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(LOAD_IMAGE, ImageNodes::loadImageCpu, ImageNodes::loadImageCuda));
    registry.register(new NodeDefinition(SAVE_IMAGE, ImageNodes::saveImageCpu, ImageNodes::saveImageCuda));
    registry.register(new NodeDefinition(PREVIEW_IMAGE, ImageNodes::previewImageCpu, ImageNodes::previewImageCuda));
    registry.register(new NodeDefinition(EMPTY_IMAGE, ImageNodes::emptyImageCpu, ImageNodes::emptyImageCuda));
    registry.register(new NodeDefinition(IMAGE_INVERT, ImageNodes::imageInvertCpu, ImageNodes::imageInvertCuda));
    registry.register(new NodeDefinition(EXTERNAL_IMAGE, ImageNodes::externalImageCpu, ImageNodes::externalImageCuda));
  }

  // ---- LoadImage ----

  static final NodeSchema LOAD_IMAGE = NodeSchema.builder("LoadImage")
      .displayName("Load Image")
      .category("image")
      .description("Loads a PNG or JPEG image: a file in the input folder, a data: URL or an allowed "
          + "http(s) URL. MASK is 1 - alpha (zeros 64x64 when the image has no alpha).")
      .required(InputSpec.string("image", null)
          .withTooltip("file name in the input folder, data: URL, or allowed http(s) URL"))
      .output(Types.IMAGE)
      .output(Types.MASK)
      .build();

  static Object[] loadImageCpu(NodeInvocation call) {
    ImageDecoder.Decoded decoded = load(call, "image", call.string("image"), parallel(call));
    return new Object[] {decoded.image(), decoded.mask()};
  }

  /** Decodes on the host (the CPU code), then uploads the image and the mask. */
  static Object[] loadImageCuda(NodeInvocation call) {
    ImageDecoder.Decoded decoded = load(call, "image", call.string("image"), HostParallel.get());
    CudaBackend backend = CudaBackend.of(call);
    CudaTensor image = backend.upload(decoded.image());
    try {
      return new Object[] {image, backend.upload(decoded.mask())};
    } catch (RuntimeException e) {
      image.close();
      throw e;
    }
  }

  /** Reads and decodes an image reference; every failure is a NodeException naming the input. */
  private static ImageDecoder.Decoded load(NodeInvocation call, String input, String reference, Parallel parallel) {
    byte[] data;
    try {
      data = call.inputs().read(reference);
    } catch (IOException e) {
      throw new NodeException("cannot read input '" + input + "' (" + describe(reference) + "): " + e.getMessage(), e);
    }
    try {
      return ImageDecoder.decode(data, (w, h) -> call.checkImageSize(1, h, w), parallel);
    } catch (IOException e) {
      throw new NodeException("input '" + input + "' (" + describe(reference) + ") is not a readable image: "
          + e.getMessage(), e);
    }
  }

  /** A reference as a message may show it: data: URLs shortened, URL queries dropped. */
  static String describe(String reference) {
    if (reference.regionMatches(true, 0, "data:", 0, 5)) {
      int comma = reference.indexOf(',');
      String head = comma < 0 ? reference.substring(0, Math.min(40, reference.length())) : reference.substring(0, comma + 1);
      return "'" + (head.length() > 60 ? head.substring(0, 60) : head) + "...' of " + reference.length() + " characters";
    }
    int query = reference.indexOf('?');
    String shown = query >= 0 && reference.contains("://") ? reference.substring(0, query) + "?..." : reference;
    return "'" + (shown.length() > 200 ? shown.substring(0, 200) + "..." : shown) + "'";
  }

  // ---- SaveImage / PreviewImage ----

  static final NodeSchema SAVE_IMAGE = NodeSchema.builder("SaveImage")
      .displayName("Save Image")
      .category("image")
      .description("Saves the input images to the output folder as PNG, with the workflow in a "
          + "'prompt' text chunk.")
      .required(
          InputSpec.image("images").withTooltip("The images to save."),
          InputSpec.string("filename_prefix", "ComfyUI").withTooltip("The prefix for the file to save, "
              + "possibly with subfolders (a/b/name). %width%, %height%, %year%, %month%, %day%, "
              + "%hour%, %minute%, %second% are replaced; %batch_num% by the image's index in the batch."))
      .outputNode()
      .build();

  static final NodeSchema PREVIEW_IMAGE = NodeSchema.builder("PreviewImage")
      .displayName("Preview Image")
      .category("image")
      .description("Saves the input images as temporary PNG previews.")
      .required(InputSpec.image("images"))
      .outputNode()
      .build();

  /** PreviewImage's random suffix alphabet, as ComfyUI spells it (a second 'p', no 'w'). */
  private static final String PREVIEW_LETTERS = "abcdefghijklmnopqrstupvxyz";

  static Object[] saveImageCpu(NodeInvocation call) {
    return saveCpu(call, call.string("filename_prefix"), "output", PngEncoder.SAVE_LEVEL);
  }

  static Object[] previewImageCpu(NodeInvocation call) {
    return saveCpu(call, previewPrefix(), "temp", PngEncoder.PREVIEW_LEVEL);
  }

  static Object[] saveImageCuda(NodeInvocation call) {
    return saveCuda(call, call.string("filename_prefix"), "output", PngEncoder.SAVE_LEVEL);
  }

  static Object[] previewImageCuda(NodeInvocation call) {
    return saveCuda(call, previewPrefix(), "temp", PngEncoder.PREVIEW_LEVEL);
  }

  private static String previewPrefix() {
    StringBuilder prefix = new StringBuilder("ComfyUI_temp_");
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 5; i++) {
      prefix.append(PREVIEW_LETTERS.charAt(random.nextInt(PREVIEW_LETTERS.length())));
    }
    return prefix.toString();
  }

  /** Encodes image {@code index} of the batch being saved as PNG bytes. */
  @FunctionalInterface
  private interface PngSource {
    byte[] png(int index, Map<String, String> text);
  }

  private static Object[] saveCpu(NodeInvocation call, String filenamePrefix, String type, int level) {
    CpuTensor images = CpuTensor.of(call.tensor("images"));
    checkSavable(images.shape());
    Parallel parallel = parallel(call);
    return save(call, images.shape(), filenamePrefix, type,
        (b, text) -> PngEncoder.encode(images, b, level, text, parallel));
  }

  /**
   * The uint8 kernel converts the whole batch on the device; each image's bytes are downloaded
   * (a quarter of the floats' size) and encoded on the host by the CPU's PNG encoder.
   */
  private static Object[] saveCuda(NodeInvocation call, String filenamePrefix, String type, int level) {
    CudaTensor images = DeviceTensors.of(call.tensor("images"));
    Shape shape = images.shape();
    checkSavable(shape);
    CudaBackend backend = CudaBackend.of(call);
    long perImage = shape.elements() / shape.batch();
    CUdeviceptr bytes = backend.scratch(shape.elements());
    Kernels.toU8(backend, images.pointer(), bytes, shape.elements());
    return save(call, shape, filenamePrefix, type, (b, text) -> {
      byte[] pixels = backend.downloadBytes(bytes.withByteOffset(b * perImage), perImage);
      return PngEncoder.encode(pixels, 0, shape.width(), shape.height(), shape.channels(), level, text,
          HostParallel.get());
    });
  }

  private static void checkSavable(Shape shape) {
    if (shape.channels() > 4) {
      throw new NodeException("cannot save an image with " + shape.channels() + " channels as PNG "
          + "(1 to 4 channels: grey, grey+alpha, RGB, RGBA)");
    }
  }

  private static Object[] save(NodeInvocation call, Shape shape, String filenamePrefix, String type,
      PngSource source) {
    String prefix = computeVars(filenamePrefix, shape.width(), shape.height(), LocalDateTime.now());
    ObjectNode workflow = call.workflowJson();
    Map<String, String> text = workflow == null ? Map.of() : Map.of("prompt", PromptJson.write(workflow));
    List<OutputFile> files = new ArrayList<>();
    for (int b = 0; b < shape.batch(); b++) {
      call.checkpoint();
      byte[] png = source.png(b, text);
      String name = withBatchNumber(prefix, b);
      try {
        files.add(call.outputs().store(name, "png", type, png));
      } catch (IOException e) {
        throw new NodeException("cannot save image " + (b + 1) + " of " + shape.batch() + " with filename prefix '"
            + name + "': " + e.getMessage(), e);
      }
    }
    call.output(files, List.of());
    return new Object[0];
  }

  /** %batch_num% is replaced in the file name only, not in subfolders, as ComfyUI does. */
  static String withBatchNumber(String prefix, int index) {
    int slash = prefix.lastIndexOf('/');
    return prefix.substring(0, slash + 1) + prefix.substring(slash + 1).replace("%batch_num%", Integer.toString(index));
  }

  /**
   * ComfyUI's {@code compute_vars}: %width%, %height% of the first image and the local
   * %year%, %month%, %day%, %hour%, %minute%, %second% (zero-padded to two digits).
   */
  static String computeVars(String prefix, int width, int height, LocalDateTime now) {
    if (prefix.indexOf('%') < 0) {
      return prefix;
    }
    return prefix.replace("%width%", Integer.toString(width))
        .replace("%height%", Integer.toString(height))
        .replace("%year%", Integer.toString(now.getYear()))
        .replace("%month%", twoDigits(now.getMonthValue()))
        .replace("%day%", twoDigits(now.getDayOfMonth()))
        .replace("%hour%", twoDigits(now.getHour()))
        .replace("%minute%", twoDigits(now.getMinute()))
        .replace("%second%", twoDigits(now.getSecond()));
  }

  private static String twoDigits(int v) {
    return v < 10 ? "0" + v : Integer.toString(v);
  }

  // ---- EmptyImage ----

  static final NodeSchema EMPTY_IMAGE = NodeSchema.builder("EmptyImage")
      .category("image")
      .description("An image of one colour.")
      .required(
          InputSpec.integer("width", 512, 1, 16384),
          InputSpec.integer("height", 512, 1, 16384),
          InputSpec.integer("batch_size", 1, 1, 4096),
          InputSpec.integer("color", 0, 0, 0xFFFFFF).withTooltip("0xRRGGBB"))
      .output(Types.IMAGE)
      .build();

  /** EmptyImage's validated arguments: the size and the colour's channels in 0..1. */
  private record Solid(int batch, int height, int width, float r, float g, float b) {
    static Solid of(NodeInvocation call) {
      int width = call.intValue("width");
      int height = call.intValue("height");
      int batch = call.intValue("batch_size");
      long color = call.integer("color");
      call.checkImageSize(batch, height, width);
      // Python divides in double; torch.full stores the result as float32
      return new Solid(batch, height, width, (float) (((color >> 16) & 0xFF) / 255.0),
          (float) (((color >> 8) & 0xFF) / 255.0), (float) ((color & 0xFF) / 255.0));
    }
  }

  static Object[] emptyImageCpu(NodeInvocation call) {
    Solid s = Solid.of(call);
    return new Object[] {ImageBasics.solid(s.batch(), s.height(), s.width(), s.r(), s.g(), s.b(), parallel(call))};
  }

  static Object[] emptyImageCuda(NodeInvocation call) {
    Solid s = Solid.of(call);
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, Shape.image(s.batch(), s.height(), s.width(), 3),
        out -> Kernels.fillPixels(backend, out, s.r(), s.g(), s.b()))};
  }

  // ---- ImageInvert ----

  static final NodeSchema IMAGE_INVERT = NodeSchema.builder("ImageInvert")
      .displayName("Invert Image")
      .category("image")
      .description("1 - x for every channel.")
      .required(InputSpec.image("image"))
      .output(Types.IMAGE)
      .build();

  static Object[] imageInvertCpu(NodeInvocation call) {
    return new Object[] {ImageBasics.invert(CpuTensor.of(call.tensor("image")), parallel(call))};
  }

  static Object[] imageInvertCuda(NodeInvocation call) {
    CudaTensor image = DeviceTensors.of(call.tensor("image"));
    CudaBackend backend = CudaBackend.of(call);
    return new Object[] {DeviceTensors.produce(backend, image.shape(), out -> Kernels.invert(backend, image, out))};
  }

  // ---- ComfyUIDeployExternalImage ----

  static final NodeSchema EXTERNAL_IMAGE = NodeSchema.builder("ComfyUIDeployExternalImage")
      .displayName("External Image (ComfyUI Deploy)")
      .category("deploy")
      .description("A run input: the run's value for input_id (a data: URL, a file in the input "
          + "folder or an allowed http(s) URL) replaces default_value_url before the run starts.")
      .required(InputSpec.string("input_id", "input_image"))
      .optional(
          InputSpec.image("default_value").withTooltip("used when default_value_url is empty"),
          InputSpec.string("display_name", ""),
          InputSpec.string("description", ""),
          InputSpec.string("default_value_url", ""))
      .output(Types.IMAGE, "image")
      .build();

  static Object[] externalImageCpu(NodeInvocation call) {
    return new Object[] {externalImage(call, parallel(call), image -> image)};
  }

  /** As the CPU one; an image from a URL is decoded on the host and uploaded. */
  static Object[] externalImageCuda(NodeInvocation call) {
    return new Object[] {externalImage(call, HostParallel.get(), image -> CudaBackend.of(call).upload(image))};
  }

  private static Tensor externalImage(NodeInvocation call, Parallel parallel, Function<CpuTensor, Tensor> place) {
    String url = call.has("default_value_url") ? call.string("default_value_url").trim() : "";
    if (url.isEmpty()) {
      Tensor fallback = call.optionalTensor("default_value");
      if (fallback != null) {
        return fallback;
      }
      throw new NodeException("external image '" + call.string("input_id") + "' has no value: the run gave "
          + "none and neither default_value_url nor default_value is set");
    }
    return place.apply(load(call, "default_value_url", url, parallel).image());
  }

  private static Parallel parallel(NodeInvocation call) {
    return CpuBackend.of(call).parallel();
  }
}
