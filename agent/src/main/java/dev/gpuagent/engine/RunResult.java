package dev.gpuagent.engine;

import java.util.List;

/**
 * How a run ended.
 *
 * @param failedNodeId the node it failed or stopped at, or null
 * @param message why it did not succeed, or null on success
 * @param failureKind for a failed run, what kind of failure; {@link FailureKind#NONE} otherwise
 */
public record RunResult(
    RunStatus status,
    List<NodeOutput> outputs,
    String failedNodeId,
    String failedClassType,
    String message,
    long durationNanos,
    FailureKind failureKind) {

  public RunResult {
    outputs = List.copyOf(outputs);
    failureKind = status == RunStatus.FAILED && failureKind == null ? FailureKind.INTERNAL
        : status == RunStatus.FAILED ? failureKind : FailureKind.NONE;
  }
}
