package dev.gpuagent.workflow;

import java.util.List;

/** The errors of one node, with the output nodes that depend on it, as ComfyUI reports them. */
public record NodeErrors(List<ValidationError> errors, List<String> dependentOutputs, String classType) {
  public NodeErrors {
    errors = List.copyOf(errors);
    dependentOutputs = List.copyOf(dependentOutputs);
  }
}
