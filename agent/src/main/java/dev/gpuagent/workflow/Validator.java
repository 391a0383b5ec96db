package dev.gpuagent.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Validates a workflow as ComfyUI's {@code validate_prompt} does, with the same error types and
 * shapes, and builds the execution plan. One deliberate difference: ComfyUI silently drops output
 * nodes that fail validation and runs the rest; gpu-agent rejects the whole workflow, because an
 * API caller would rather hear about a broken output than receive fewer outputs than asked for.
 */
public final class Validator {
  private final SchemaLookup schemas;
  private final WorkflowLimits limits;

  public Validator(SchemaLookup schemas, WorkflowLimits limits) {
    this.schemas = schemas;
    this.limits = limits;
  }

  public Validation validate(Workflow workflow) {
    Map<String, NodeSchema> resolved = new HashMap<>();
    for (WorkflowNode node : workflow.nodes().values()) {
      Optional<NodeSchema> schema = schemas.schema(node.classType());
      if (schema.isEmpty()) {
        return invalid(new ValidationError("missing_node_type",
            "Cannot execute because node " + node.classType() + " does not exist.",
            "Node ID '#" + node.id() + "'",
            ValidationError.info("node_id", node.id(), "class_type", node.classType(),
                "node_title", node.displayName())));
      }
      resolved.put(node.id(), schema.get());
    }
    List<String> outputs = new ArrayList<>();
    for (WorkflowNode node : workflow.nodes().values()) {
      if (resolved.get(node.id()).outputNode()) {
        outputs.add(node.id());
      }
    }
    if (outputs.isEmpty()) {
      return invalid(ValidationError.of("prompt_no_outputs", "Prompt has no outputs", ""));
    }

    List<String> order = new ArrayList<>();
    List<String> cycle = topologicalOrder(workflow, outputs, order);
    if (cycle != null) {
      Map<String, NodeErrors> nodeErrors = new LinkedHashMap<>();
      for (String id : cycle) {
        nodeErrors.put(id, new NodeErrors(List.of(new ValidationError("dependency_cycle",
            "Dependency cycle detected", "Node " + id + " depends on itself through " + cycle,
            ValidationError.info("cycle", cycle))), List.of(), workflow.nodes().get(id).classType()));
      }
      return new Validation.Invalid(new ValidationFailure(new ValidationError("dependency_cycle",
          "Dependency cycle detected", "Nodes " + String.join(" -> ", cycle) + " form a cycle",
          ValidationError.info("cycle", cycle)), nodeErrors));
    }

    Map<String, List<ValidationError>> errorsByNode = new HashMap<>();
    Map<String, PlannedNode> planned = new HashMap<>();
    for (String id : order) {
      WorkflowNode node = workflow.nodes().get(id);
      List<ValidationError> errors = new ArrayList<>();
      PlannedNode plan = checkNode(workflow, node, resolved.get(id), resolved, errors);
      if (errors.isEmpty()) {
        planned.put(id, plan);
      } else {
        errorsByNode.put(id, errors);
      }
    }
    if (errorsByNode.isEmpty()) {
      List<PlannedNode> nodes = new ArrayList<>(order.size());
      order.forEach(id -> nodes.add(planned.get(id)));
      return new Validation.Valid(new ExecutionPlan(workflow, nodes, outputs));
    }
    return new Validation.Invalid(failure(workflow, outputs, errorsByNode));
  }

  /** ComfyUI reports each failing node once, listing the outputs that depend on it. */
  private static ValidationFailure failure(
      Workflow workflow, List<String> outputs, Map<String, List<ValidationError>> errorsByNode) {
    Map<String, NodeErrors> nodeErrors = new LinkedHashMap<>();
    List<String> details = new ArrayList<>();
    for (String output : outputs) {
      Set<String> upstream = upstream(workflow, output);
      boolean failed = false;
      for (WorkflowNode node : workflow.nodes().values()) {
        List<ValidationError> errors = errorsByNode.get(node.id());
        if (errors == null || !upstream.contains(node.id())) {
          continue;
        }
        failed = true;
        NodeErrors previous = nodeErrors.get(node.id());
        List<String> deps = new ArrayList<>(previous == null ? List.of() : previous.dependentOutputs());
        deps.add(output);
        nodeErrors.put(node.id(), new NodeErrors(errors, deps, node.classType()));
      }
      if (failed) {
        StringBuilder text = new StringBuilder(workflow.nodes().get(output).classType()).append(':');
        for (String id : upstream) {
          for (ValidationError e : errorsByNode.getOrDefault(id, List.of())) {
            text.append("\n- ").append(e.message()).append(": ").append(e.details());
          }
        }
        details.add(text.toString());
      }
    }
    return new ValidationFailure(new ValidationError("prompt_outputs_failed_validation",
        "Prompt outputs failed validation", String.join("\n", details), Map.of()), nodeErrors);
  }

  private PlannedNode checkNode(Workflow workflow, WorkflowNode node, NodeSchema schema,
      Map<String, NodeSchema> resolved, List<ValidationError> errors) {
    Map<String, Object> literals = new LinkedHashMap<>();
    Map<String, InputValue.Link> links = new LinkedHashMap<>();
    for (InputSpec spec : schema.required()) {
      if (!node.inputs().containsKey(spec.name())) {
        errors.add(new ValidationError("required_input_missing", "Required input is missing",
            spec.name(), ValidationError.info("input_name", spec.name())));
      }
    }
    // Schema order (required, optional, hidden), as ComfyUI's validate_inputs walks them; inputs a
    // node does not declare are ignored, as ComfyUI ignores them (its UI adds some).
    for (List<InputSpec> group : List.of(schema.required(), schema.optional(), schema.hidden())) {
      for (InputSpec spec : group) {
        InputValue value = node.inputs().get(spec.name());
        if (value == null) {
          continue;
        }
        switch (value) {
          case InputValue.Link link -> {
            if (checkLink(workflow, spec, link, resolved, errors)) {
              links.put(spec.name(), link);
            }
          }
          case InputValue.Literal literal -> {
            Object converted = checkLiteral(spec, literal.value(), errors);
            if (converted != null) {
              literals.put(spec.name(), converted);
            }
          }
        }
      }
    }
    if (createsImages(schema)) {
      checkStaticImageSize(literals, errors);
    }
    return new PlannedNode(node, schema, literals, links);
  }

  private static boolean checkLink(Workflow workflow, InputSpec spec, InputValue.Link link,
      Map<String, NodeSchema> resolved, List<ValidationError> errors) {
    WorkflowNode source = workflow.nodes().get(link.sourceNodeId());
    if (source == null) {
      errors.add(new ValidationError("bad_linked_input",
          "Bad linked input, linked node does not exist", spec.name(),
          ValidationError.info("input_name", spec.name(), "input_config", SchemaJson.inputConfig(spec),
              "received_value", List.of(link.sourceNodeId(), link.outputIndex()))));
      return false;
    }
    NodeSchema sourceSchema = resolved.get(source.id());
    if (link.outputIndex() >= sourceSchema.outputTypes().size()) {
      errors.add(new ValidationError("bad_linked_input",
          "Bad linked input, output index out of range", spec.name() + ": node " + source.id()
              + " (" + source.classType() + ") has " + sourceSchema.outputTypes().size() + " outputs",
          ValidationError.info("input_name", spec.name(), "input_config", SchemaJson.inputConfig(spec),
              "received_value", List.of(link.sourceNodeId(), link.outputIndex()))));
      return false;
    }
    String received = sourceSchema.outputTypes().get(link.outputIndex());
    if (!linkAccepts(spec, received)) {
      String expected = spec.isCombo() ? InputSpec.COMBO : spec.type();
      errors.add(new ValidationError("return_type_mismatch",
          "Return type mismatch between linked nodes",
          spec.name() + ", received_type(" + received + ") mismatch input_type(" + expected + ")",
          ValidationError.info("input_name", spec.name(), "input_config", SchemaJson.inputConfig(spec),
              "received_type", received, "linked_node", List.of(link.sourceNodeId(), link.outputIndex()))));
      return false;
    }
    return true;
  }

  /** A combo may be fed by a STRING output (a run input, say); the node checks the value then. */
  private static boolean linkAccepts(InputSpec spec, String received) {
    if (spec.isCombo()) {
      return received.equals(Types.STRING) || received.equals(InputSpec.COMBO);
    }
    return spec.type().equals(received) || spec.type().equals("*");
  }

  private static Object checkLiteral(InputSpec spec, JsonNode value, List<ValidationError> errors) {
    if (value.isArray()) {
      errors.add(new ValidationError("bad_linked_input",
          "Bad linked input, must be a length-2 list of [node_id, slot_index]", spec.name(),
          ValidationError.info("input_name", spec.name(), "input_config", SchemaJson.inputConfig(spec),
              "received_value", value)));
      return null;
    }
    if (spec.isLinkOnly()) {
      errors.add(new ValidationError("bad_linked_input",
          "Bad linked input, an " + spec.type() + " input must be linked to another node's output",
          spec.name(),
          ValidationError.info("input_name", spec.name(), "input_config", SchemaJson.inputConfig(spec),
              "received_value", value)));
      return null;
    }
    if (spec.isCombo()) {
      String text = value.isValueNode() ? value.asText() : value.toString();
      if (!spec.options().contains(text)) {
        errors.add(new ValidationError("value_not_in_list", "Value not in list",
            spec.name() + ": '" + text + "' not in " + spec.options(),
            ValidationError.info("input_name", spec.name(), "input_config", SchemaJson.inputConfig(spec),
                "received_value", text)));
        return null;
      }
      return text;
    }
    Object converted;
    try {
      converted = LiteralCoercion.coerce(spec.type(), value);
    } catch (IllegalArgumentException e) {
      errors.add(new ValidationError("invalid_input_type",
          "Failed to convert an input value to a " + spec.type() + " value",
          spec.name() + ", " + value + ", " + e.getMessage(),
          ValidationError.info("input_name", spec.name(), "input_config", SchemaJson.inputConfig(spec),
              "received_value", value, "exception_message", e.getMessage())));
      return null;
    }
    if (converted instanceof Number number) {
      double v = number.doubleValue();
      if (spec.min() != null && v < spec.min()) {
        errors.add(new ValidationError("value_smaller_than_min",
            "Value " + converted + " smaller than min of " + SchemaJson.number(spec.type(), spec.min()),
            spec.name(), ValidationError.info("input_name", spec.name(),
                "input_config", SchemaJson.inputConfig(spec), "received_value", converted)));
        return null;
      }
      if (spec.max() != null && v > spec.max()) {
        errors.add(new ValidationError("value_bigger_than_max",
            "Value " + converted + " bigger than max of " + SchemaJson.number(spec.type(), spec.max()),
            spec.name(), ValidationError.info("input_name", spec.name(),
                "input_config", SchemaJson.inputConfig(spec), "received_value", converted)));
        return null;
      }
    }
    return converted;
  }

  /**
   * Nodes with no tensor input whose literal width and height make a new image (EmptyImage,
   * SolidMask). Nodes that transform an input (ImageCrop clamps, ImageScale keeps aspect on 0) are
   * checked when they run, once the real size is known.
   */
  private static boolean createsImages(NodeSchema schema) {
    for (java.util.List<InputSpec> group : java.util.List.of(schema.required(), schema.optional())) {
      for (InputSpec spec : group) {
        if (spec.isLinkOnly()) {
          return false;
        }
      }
    }
    return true;
  }

  /** Checks literal sizes of an image-making node against the limits before anything runs. */
  private void checkStaticImageSize(Map<String, Object> literals, List<ValidationError> errors) {
    if (!(literals.get("width") instanceof Long w) || !(literals.get("height") instanceof Long h)) {
      return;
    }
    long batch = literals.get("batch_size") instanceof Long b ? b : 1;
    if (w == 0 || h == 0) {
      return; // 0 means "keep aspect" for the scale nodes; checked when the size is known.
    }
    String problem = limits.checkImage((int) Math.min(Integer.MAX_VALUE, batch),
        (int) Math.min(Integer.MAX_VALUE, h), (int) Math.min(Integer.MAX_VALUE, w));
    if (problem != null) {
      errors.add(new ValidationError("image_too_large", "Image exceeds the configured size limits",
          problem, ValidationError.info("width", w, "height", h, "batch_size", batch,
              "max_side", limits.maxImageSide(), "max_pixels", limits.maxImagePixels(),
              "max_batch", limits.maxBatch())));
    }
  }

  /**
   * Depth-first post-order from the outputs (iterative, so a 10,000-node chain cannot overflow the
   * stack). Returns the nodes of a cycle if one is reachable, else null with {@code order} filled.
   */
  private static List<String> topologicalOrder(Workflow workflow, List<String> outputs, List<String> order) {
    Map<String, Integer> state = new HashMap<>(); // 1 = on the stack, 2 = done
    for (String output : outputs) {
      if (state.containsKey(output)) {
        continue;
      }
      Deque<String> path = new ArrayDeque<>();
      Deque<java.util.Iterator<String>> pending = new ArrayDeque<>();
      path.push(output);
      pending.push(sources(workflow, output).iterator());
      state.put(output, 1);
      while (!path.isEmpty()) {
        var it = pending.peek();
        if (it.hasNext()) {
          String next = it.next();
          Integer s = state.get(next);
          if (s == null) {
            state.put(next, 1);
            path.push(next);
            pending.push(sources(workflow, next).iterator());
          } else if (s == 1) {
            List<String> cycle = new ArrayList<>();
            for (var p = path.descendingIterator(); p.hasNext(); ) {
              String id = p.next();
              if (id.equals(next) || !cycle.isEmpty()) {
                cycle.add(id);
              }
            }
            return cycle;
          }
        } else {
          String done = path.pop();
          pending.pop();
          state.put(done, 2);
          order.add(done);
        }
      }
    }
    return null;
  }

  /** Ids of the existing nodes that {@code id} reads from; dangling links are reported later. */
  private static Set<String> sources(Workflow workflow, String id) {
    Set<String> result = new LinkedHashSet<>();
    for (InputValue value : workflow.nodes().get(id).inputs().values()) {
      if (value instanceof InputValue.Link link && workflow.nodes().containsKey(link.sourceNodeId())) {
        result.add(link.sourceNodeId());
      }
    }
    return result;
  }

  private static Set<String> upstream(Workflow workflow, String output) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(output));
    while (!todo.isEmpty()) {
      String id = todo.pop();
      if (seen.add(id)) {
        todo.addAll(sources(workflow, id));
      }
    }
    return seen;
  }

  /** Convenience for callers that only want the set of node ids a validation would execute. */
  public static Set<String> executed(ExecutionPlan plan) {
    Set<String> ids = new HashSet<>();
    plan.nodes().forEach(n -> ids.add(n.id()));
    return ids;
  }

  private static Validation invalid(ValidationError error) {
    return new Validation.Invalid(ValidationFailure.of(error));
  }
}
