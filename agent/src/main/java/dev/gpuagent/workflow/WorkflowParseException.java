package dev.gpuagent.workflow;

/** A document that is not a workflow at all (bad JSON, wrong shape, over a size limit). */
public final class WorkflowParseException extends Exception {
  private final transient ValidationFailure failure;

  public WorkflowParseException(ValidationFailure failure) {
    super(failure.summary());
    this.failure = failure;
  }

  public ValidationFailure failure() {
    return failure;
  }
}
