package dev.gpuagent.workflow;

/** The outcome of validating a workflow: a plan to execute, or ComfyUI-shaped errors. */
public sealed interface Validation {
  record Valid(ExecutionPlan plan) implements Validation {}

  record Invalid(ValidationFailure failure) implements Validation {}
}
