package dev.gpuagent.workflow;

import java.util.List;

/**
 * The nodes a run executes, in dependency order: only those upstream of an output node, as ComfyUI
 * does.
 */
public record ExecutionPlan(Workflow workflow, List<PlannedNode> nodes, List<String> outputNodeIds) {
  public ExecutionPlan {
    nodes = List.copyOf(nodes);
    outputNodeIds = List.copyOf(outputNodeIds);
  }

  public int size() {
    return nodes.size();
  }
}
