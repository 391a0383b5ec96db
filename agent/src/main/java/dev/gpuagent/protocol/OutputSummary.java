package dev.gpuagent.protocol;

import java.util.List;

/**
 * One output node's results in {@code run_finished.outputs}: the files it produced (already
 * uploaded) and its text, as ComfyDeploy's {@code outputs[].data} with {@code node_meta}.
 */
public record OutputSummary(String nodeId, String classType, List<OutputImage> images, List<String> text) {
  public OutputSummary {
    Check.id(nodeId, "node_id");
    Check.id(classType, "class_type");
    images = Check.optionalList(images, "images");
    text = Check.optionalList(text, "text");
  }
}
