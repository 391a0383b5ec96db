package dev.gpuagent.engine;

import java.util.List;

/**
 * How a run ended.
 *
 * @param failedNodeId the node it failed or stopped at, or null
 * @param message why it did not succeed, or null on success
 */
public record RunResult(
    RunStatus status,
    List<NodeOutput> outputs,
    String failedNodeId,
    String failedClassType,
    String message,
    long durationNanos) {

  public RunResult {
    outputs = List.copyOf(outputs);
  }
}
