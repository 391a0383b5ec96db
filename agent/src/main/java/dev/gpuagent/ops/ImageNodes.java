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
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;
import java.io.IOException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * ComfyUI's basic image nodes (nodes.py: LoadImage, SaveImage, PreviewImage, EmptyImage,
 * ImageInvert) and ComfyDeploy's external image input.
 */
final class ImageNodes {
  private ImageNodes() {}

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(LOAD_IMAGE, ImageNodes::loadImageCpu, null));
    registry.register(new NodeDefinition(SAVE_IMAGE, ImageNodes::saveImageCpu, null));
    registry.register(new NodeDefinition(PREVIEW_IMAGE, ImageNodes::previewImageCpu, null));
    registry.register(new NodeDefinition(EMPTY_IMAGE, ImageNodes::emptyImageCpu, null));
    registry.register(new NodeDefinition(IMAGE_INVERT, ImageNodes::imageInvertCpu, null));
    registry.register(new NodeDefinition(EXTERNAL_IMAGE, ImageNodes::externalImageCpu, null));
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
    ImageDecoder.Decoded decoded = load(call, "image", call.string("image"));
    return new Object[] {decoded.image(), decoded.mask()};
  }

  /** Reads and decodes an image reference; every failure is a NodeException naming the input. */
  private static ImageDecoder.Decoded load(NodeInvocation call, String input, String reference) {
    byte[] data;
    try {
      data = call.inputs().read(reference);
    } catch (IOException e) {
      throw new NodeException("cannot read input '" + input + "' (" + describe(reference) + "): " + e.getMessage(), e);
    }
    try {
      return ImageDecoder.decode(data, (w, h) -> call.checkImageSize(1, h, w), parallel(call));
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
    return save(call, call.string("filename_prefix"), "output", PngEncoder.SAVE_LEVEL);
  }

  static Object[] previewImageCpu(NodeInvocation call) {
    StringBuilder prefix = new StringBuilder("ComfyUI_temp_");
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 5; i++) {
      prefix.append(PREVIEW_LETTERS.charAt(random.nextInt(PREVIEW_LETTERS.length())));
    }
    return save(call, prefix.toString(), "temp", PngEncoder.PREVIEW_LEVEL);
  }

  private static Object[] save(NodeInvocation call, String filenamePrefix, String type, int level) {
    CpuTensor images = CpuTensor.of(call.tensor("images"));
    if (images.channels() > 4) {
      throw new NodeException("cannot save an image with " + images.channels() + " channels as PNG "
          + "(1 to 4 channels: grey, grey+alpha, RGB, RGBA)");
    }
    String prefix = computeVars(filenamePrefix, images.width(), images.height(), LocalDateTime.now());
    ObjectNode workflow = call.workflowJson();
    Map<String, String> text = workflow == null ? Map.of() : Map.of("prompt", PromptJson.write(workflow));
    Parallel parallel = parallel(call);
    List<OutputFile> files = new ArrayList<>();
    for (int b = 0; b < images.batch(); b++) {
      call.checkpoint();
      byte[] png = PngEncoder.encode(images, b, level, text, parallel);
      String name = withBatchNumber(prefix, b);
      try {
        files.add(call.outputs().store(name, "png", type, png));
      } catch (IOException e) {
        throw new NodeException("cannot save image " + (b + 1) + " of " + images.batch() + " with filename prefix '"
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

  static Object[] emptyImageCpu(NodeInvocation call) {
    int width = call.intValue("width");
    int height = call.intValue("height");
    int batch = call.intValue("batch_size");
    long color = call.integer("color");
    call.checkImageSize(batch, height, width);
    // Python divides in double; torch.full stores the result as float32
    float r = (float) (((color >> 16) & 0xFF) / 255.0);
    float g = (float) (((color >> 8) & 0xFF) / 255.0);
    float b = (float) ((color & 0xFF) / 255.0);
    return new Object[] {ImageBasics.solid(batch, height, width, r, g, b, parallel(call))};
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
    String url = call.has("default_value_url") ? call.string("default_value_url").trim() : "";
    if (url.isEmpty()) {
      Tensor fallback = call.optionalTensor("default_value");
      if (fallback != null) {
        return new Object[] {fallback};
      }
      throw new NodeException("external image '" + call.string("input_id") + "' has no value: the run gave "
          + "none and neither default_value_url nor default_value is set");
    }
    return new Object[] {load(call, "default_value_url", url).image()};
  }

  private static Parallel parallel(NodeInvocation call) {
    return CpuBackend.of(call).parallel();
  }
}
