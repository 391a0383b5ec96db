package dev.gpuagent.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.server.http.ValidationError;
import dev.gpuagent.workflow.ExternalInputs;
import dev.gpuagent.workflow.InputValue;
import dev.gpuagent.workflow.NodeErrors;
import dev.gpuagent.workflow.ValidationFailure;
import dev.gpuagent.workflow.Workflow;
import dev.gpuagent.workflow.WorkflowNode;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a ComfyUI-shaped failure of a run's inputs into FastAPI 422 entries: {@code loc} is {@code
 * ["body", "inputs", input_id]} where the error names an input (else {@code ["body", "inputs"]}),
 * {@code type} is ComfyUI's error type ({@code unknown_input}, {@code required_input_missing},
 * {@code invalid_input_type}, {@code value_bigger_than_max}, ...), {@code msg} its message and
 * details, and {@code ctx} its {@code extra_info} without null entries.
 */
final class InputErrors {
  private InputErrors() {}

  static List<ValidationError> of(ValidationFailure failure, Workflow deployment, ObjectNode inputs) {
    Map<String, String> inputOfNode = inputIds(deployment);
    Set<String> known = new LinkedHashSet<>();
    ExternalInputs.schema(deployment).forEach(field -> known.add(field.key()));
    Map<String, ValidationError> entries = new LinkedHashMap<>();
    dev.gpuagent.workflow.ValidationError top = failure.error();
    if (top.type().equals("invalid_inputs")) {
      for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> given : inputs.properties()) {
        if (!known.contains(given.getKey())) {
          add(entries, given.getKey(), new dev.gpuagent.workflow.ValidationError("unknown_input", "Unknown run input",
              "'" + given.getKey() + "' is not an input of this deployment; its inputs are " + known, Map.of()));
        }
      }
    } else if (failure.nodeErrors().isEmpty() || top.extraInfo().get("input_id") instanceof String) {
      add(entries, inputKey(top, null), top);
    }
    for (Map.Entry<String, NodeErrors> node : failure.nodeErrors().entrySet()) {
      for (dev.gpuagent.workflow.ValidationError error : node.getValue().errors()) {
        add(entries, inputKey(error, inputOfNode.get(node.getKey())), error);
      }
    }
    return List.copyOf(entries.values());
  }

  private static String inputKey(dev.gpuagent.workflow.ValidationError error, String fallback) {
    return error.extraInfo().get("input_id") instanceof String key ? key : fallback;
  }

  private static void add(Map<String, ValidationError> entries, String key,
      dev.gpuagent.workflow.ValidationError error) {
    List<Object> loc = key == null ? List.of("body", "inputs") : List.of("body", "inputs", key);
    String msg = error.details().isEmpty() ? error.message() : error.message() + ": " + error.details();
    Map<String, Object> ctx = new LinkedHashMap<>();
    error.extraInfo().forEach((name, value) -> {
      if (value != null) {
        ctx.put(name, value);
      }
    });
    entries.putIfAbsent(error.type() + "\u0000" + loc,
        new ValidationError(error.type(), loc, msg, ctx.isEmpty() ? null : ctx));
  }

  /** node id -> the input_id of each external-input node that declares one. */
  private static Map<String, String> inputIds(Workflow workflow) {
    Map<String, String> ids = new LinkedHashMap<>();
    for (WorkflowNode node : workflow.nodes().values()) {
      if (ExternalInputs.isExternalInput(node.classType())
          && node.inputs().get("input_id") instanceof InputValue.Literal id && id.value().isTextual()) {
        ids.put(node.id(), id.value().asText());
      }
    }
    return ids;
  }
}
