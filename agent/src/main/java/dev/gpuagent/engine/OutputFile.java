package dev.gpuagent.engine;

/**
 * A file a node produced, named as ComfyUI names it.
 *
 * @param type {@code output} (SaveImage) or {@code temp} (PreviewImage)
 * @param data the file's bytes, kept so a worker can upload them; null once stored elsewhere
 */
public record OutputFile(String filename, String subfolder, String type, byte[] data) {
  public OutputFile withoutData() {
    return new OutputFile(filename, subfolder, type, null);
  }
}
