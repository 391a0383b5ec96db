package dev.gpuagent.cpu;

import java.util.List;

/**
 * The interpolation modes of ComfyUI's {@code ImageScale} family, in ComfyUI's order. All but
 * {@link #LANCZOS} follow {@code torch.nn.functional.interpolate} (align_corners=False, no
 * antialiasing); {@code LANCZOS} follows Pillow's resize of the 8-bit image, as ComfyUI's does.
 */
public enum ResampleMethod {
  NEAREST_EXACT("nearest-exact"),
  BILINEAR("bilinear"),
  AREA("area"),
  BICUBIC("bicubic"),
  LANCZOS("lanczos");

  private final String comfyName;

  ResampleMethod(String comfyName) {
    this.comfyName = comfyName;
  }

  /** The name a workflow uses for this method. */
  public String comfyName() {
    return comfyName;
  }

  /** ComfyUI's option list for {@code upscale_method}. */
  public static List<String> comfyNames() {
    return java.util.Arrays.stream(values()).map(ResampleMethod::comfyName).toList();
  }

  public static ResampleMethod fromComfyName(String name) {
    for (ResampleMethod m : values()) {
      if (m.comfyName.equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown upscale method '" + name + "'");
  }
}
