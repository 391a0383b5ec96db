package dev.gpuagent.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.workflow.ExternalInputs;
import dev.gpuagent.workflow.SchemaLookup;
import dev.gpuagent.workflow.Validation;
import dev.gpuagent.workflow.Validator;
import dev.gpuagent.workflow.Workflow;
import dev.gpuagent.workflow.WorkflowLimits;
import dev.gpuagent.workflow.WorkflowParseException;
import dev.gpuagent.workflow.WorkflowParser;

/**
 * Parses and validates graphs for the API: a deployment's graph when it is created or loaded, and a
 * deployment's graph with a run's inputs applied when the run is queued. Failures are {@link
 * InvalidWorkflow} carrying ComfyUI's error body. Thread-safe.
 */
public final class Workflows {
  /** More distinct deployment graphs than this parsed, and the cache starts over (a bound, not a working size). */
  private static final int MAX_PARSED = 256;

  private final WorkflowParser parser;
  private final Validator validator;
  /**
   * Deployment graphs by their text, parsed once rather than on every queue call (a fifth of the
   * queue call's CPU). The text is the key, so a changed deployment is parsed anew.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, Workflow> parsed =
      new java.util.concurrent.ConcurrentHashMap<>();

  public Workflows(SchemaLookup schemas, WorkflowLimits limits) {
    this.parser = new WorkflowParser(limits);
    this.validator = new Validator(schemas, limits);
  }

  /** The graph, parsed and validated as it stands (external inputs keep their defaults). */
  public Workflow check(JsonNode workflowApi) {
    try {
      return validated(parser.fromTree(workflowApi));
    } catch (WorkflowParseException e) {
      throw new InvalidWorkflow(e.failure());
    }
  }

  /**
   * A stored deployment's graph (validated when it was stored), parsed. The graph may be shared with
   * other callers: read it, never change it ({@link #withInputs} works on a copy).
   */
  public Workflow parse(String workflowApi) {
    Workflow known = parsed.get(workflowApi);
    if (known != null) {
      return known;
    }
    Workflow graph;
    try {
      graph = parser.parse(workflowApi);
    } catch (WorkflowParseException e) {
      throw new InvalidWorkflow(e.failure());
    }
    if (parsed.size() >= MAX_PARSED) {
      parsed.clear();
    }
    parsed.put(workflowApi, graph);
    return graph;
  }

  /** The graph with a run's {@code inputs} applied, validated. */
  public Workflow withInputs(Workflow deployment, JsonNode inputs) {
    try {
      return validated(ExternalInputs.apply(deployment, inputs));
    } catch (WorkflowParseException e) {
      throw new InvalidWorkflow(e.failure());
    }
  }

  private Workflow validated(Workflow workflow) {
    if (validator.validate(workflow) instanceof Validation.Invalid invalid) {
      throw new InvalidWorkflow(invalid.failure());
    }
    return workflow;
  }
}
