package dev.gpuagent.workflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Why a workflow was rejected: the body ComfyUI's {@code POST /prompt} answers with,
 * {@code {error: {...}, node_errors: {node_id: {errors, dependent_outputs, class_type}}}}.
 */
public record ValidationFailure(ValidationError error, Map<String, NodeErrors> nodeErrors) {

  public ValidationFailure {
    nodeErrors = Collections.unmodifiableMap(new LinkedHashMap<>(nodeErrors));
  }

  public static ValidationFailure of(ValidationError error) {
    return new ValidationFailure(error, Map.of());
  }

  public static ValidationFailure of(String type, String message, String details) {
    return of(ValidationError.of(type, message, details));
  }

  /** One line for logs and exceptions: the top error and each node's first error. */
  public String summary() {
    StringBuilder text = new StringBuilder(error.message());
    if (!error.details().isEmpty()) {
      text.append(" (").append(error.details().replace("\n", " ")).append(')');
    }
    nodeErrors.forEach((id, errors) -> {
      for (ValidationError e : errors.errors()) {
        text.append("; node ").append(id).append(" (").append(errors.classType()).append("): ")
            .append(e.message());
        if (!e.details().isEmpty()) {
          text.append(" [").append(e.details()).append(']');
        }
      }
    });
    return text.toString();
  }

  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode();
    root.set("error", errorJson(mapper, error));
    ObjectNode nodes = root.putObject("node_errors");
    nodeErrors.forEach((id, ne) -> {
      ObjectNode n = nodes.putObject(id);
      var list = n.putArray("errors");
      ne.errors().forEach(e -> list.add(errorJson(mapper, e)));
      var deps = n.putArray("dependent_outputs");
      ne.dependentOutputs().forEach(deps::add);
      n.put("class_type", ne.classType());
    });
    return root;
  }

  private static ObjectNode errorJson(ObjectMapper mapper, ValidationError e) {
    ObjectNode node = mapper.createObjectNode();
    node.put("type", e.type());
    node.put("message", e.message());
    node.put("details", e.details());
    node.set("extra_info", mapper.valueToTree(e.extraInfo()));
    return node;
  }
}
