package dev.gpuagent.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.workflow.WorkflowLimits;
import java.util.Objects;

/**
 * Everything one run needs besides its plan.
 *
 * @param workflowJson the graph as submitted, embedded in saved PNGs as ComfyUI does
 */
public record RunContext(
    String runId,
    Backend backend,
    RunListener listener,
    CancelToken cancel,
    OutputSink outputs,
    InputResolver inputs,
    WorkflowLimits limits,
    ObjectNode workflowJson) {

  public RunContext {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(backend, "backend");
    listener = listener == null ? RunListener.NONE : listener;
    cancel = cancel == null ? CancelToken.none() : cancel;
    outputs = outputs == null ? OutputSink.discard() : outputs;
    inputs = inputs == null ? InputResolver.none() : inputs;
    limits = limits == null ? WorkflowLimits.DEFAULT : limits;
  }
}
