package dev.gpuagent.engine;

/** Everything a run reports while it executes, in order, to one {@link RunListener}. */
public sealed interface RunEvent {

  /** Execution began; {@code nodeCount} nodes will run. */
  record RunStarted(String runId, int nodeCount) implements RunEvent {}

  /** Node {@code index} (0-based) of {@code total} began. */
  record NodeStarted(String nodeId, String classType, int index, int total) implements RunEvent {}

  /** Overall progress 0..1; {@code step}/{@code steps} are the running node's, 0/0 between nodes. */
  record Progress(double value, String nodeId, int step, int steps) implements RunEvent {}

  /** A line for people: {@code Executing ImageBlur (3/7)}. */
  record LiveStatus(String text) implements RunEvent {}

  record NodeFinished(String nodeId, String classType, long durationNanos) implements RunEvent {}

  record NodeFailed(String nodeId, String classType, String message) implements RunEvent {}

  /** An output node produced files or text. */
  record OutputProduced(NodeOutput output) implements RunEvent {}

  /**
   * The run ended. For anything but success, {@code nodeId} and {@code classType} name the node it
   * stopped or failed at (null if it stopped before the first node).
   */
  record RunFinished(RunStatus status, String nodeId, String classType, String message, long durationNanos)
      implements RunEvent {}
}
