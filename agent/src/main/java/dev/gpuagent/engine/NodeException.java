package dev.gpuagent.engine;

/**
 * A node refused its inputs or failed in a way a user can act on; the message is shown as is, so
 * write it for the person who built the workflow.
 */
public class NodeException extends RuntimeException {
  public NodeException(String message) {
    super(message);
  }

  public NodeException(String message, Throwable cause) {
    super(message, cause);
  }

  /** What kind of failure this is; subclasses for memory and device errors say so. */
  public FailureKind kind() {
    return FailureKind.NODE;
  }
}
