package dev.gpuagent.server.api;

import dev.gpuagent.workflow.ValidationFailure;
import java.util.Objects;

/** A workflow (or a run's inputs to one) that failed parsing or validation, with ComfyUI's error body. */
public final class InvalidWorkflow extends RuntimeException {
  private final transient ValidationFailure failure;

  public InvalidWorkflow(ValidationFailure failure) {
    super(failure.summary(), null, false, false);
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  public ValidationFailure failure() {
    return failure;
  }
}
