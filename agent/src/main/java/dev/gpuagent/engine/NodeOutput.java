package dev.gpuagent.engine;

import java.util.List;

/**
 * What an output node hands back to the caller: image files and text, as in ComfyDeploy's
 * {@code outputs[].data} with {@code node_meta}.
 */
public record NodeOutput(String nodeId, String classType, List<OutputFile> images, List<String> text) {
  public NodeOutput {
    images = List.copyOf(images);
    text = List.copyOf(text);
  }
}
