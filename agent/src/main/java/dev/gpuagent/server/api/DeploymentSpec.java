package dev.gpuagent.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.server.http.BodyFields;
import dev.gpuagent.server.store.NewDeployment;
import dev.gpuagent.workflow.ExternalInputs;
import dev.gpuagent.workflow.Workflow;
import java.util.UUID;

/**
 * The fields of a deployment as {@code POST /api/deployments} and the deployment files give them:
 * {@code name} (required, 1..200 characters), {@code workflow_api} (required object), {@code gpu}
 * (one of {@link GpuTypes#ALL}, absent or null = any worker), {@code run_timeout_s} (1..86400,
 * default 300). Files add {@code id}.
 */
record DeploymentSpec(String name, ObjectNode workflowApi, String gpu, int runTimeoutS) {
  static final int DEFAULT_RUN_TIMEOUT_S = 300;
  static final int MAX_RUN_TIMEOUT_S = 86_400;
  static final int MAX_NAME_LENGTH = 200;

  /** Reads the fields, recording pydantic-shaped errors in {@code body}; null when any is bad. */
  static DeploymentSpec read(BodyFields body) {
    String name = body.requiredString("name");
    if (name != null && name.isBlank()) {
      body.addError("name", "string_too_short", "String should have at least 1 character");
    } else if (name != null && name.strip().length() > MAX_NAME_LENGTH) {
      body.addError("name", "string_too_long", "String should have at most " + MAX_NAME_LENGTH + " characters");
    }
    JsonNode workflow = body.json().get("workflow_api");
    if (workflow == null) {
      body.addError("workflow_api", "missing", "Field required");
    } else if (!workflow.isObject()) {
      body.addError("workflow_api", "dict_type", "Input should be a valid dictionary");
    }
    String gpu = body.optionalEnum("gpu", GpuTypes.ALL).orElse(null);
    long timeout = body.optionalInt("run_timeout_s", 1, MAX_RUN_TIMEOUT_S).orElse((long) DEFAULT_RUN_TIMEOUT_S);
    if (!body.errors().isEmpty()) {
      return null;
    }
    return new DeploymentSpec(name.strip(), (ObjectNode) workflow, gpu, (int) timeout);
  }

  /** Validates the graph ({@link InvalidWorkflow} if it fails) and derives the input schema. */
  NewDeployment compile(UUID orgId, Workflows workflows) {
    Workflow checked = workflows.check(workflowApi);
    String schema = ExternalInputs.toJson(ExternalInputs.schema(checked)).toString();
    return new NewDeployment(orgId, name, checked.json().toString(), schema, gpu, runTimeoutS);
  }
}
