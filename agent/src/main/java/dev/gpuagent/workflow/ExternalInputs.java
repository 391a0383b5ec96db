package dev.gpuagent.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run inputs of a workflow: ComfyDeploy's external-input nodes, each naming its input with a
 * literal {@code input_id}. {@link #schema} derives a deployment's {@code input_schema} from them and
 * {@link #apply} writes a run's {@code inputs[input_id]} into the nodes' {@code default_value} (an
 * image's into {@code default_value_url}) before the workflow is validated.
 *
 * <p>Rules:
 * <ul>
 *   <li>A node whose {@code input_id} is missing, blank or linked declares no input; it keeps its
 *       default.
 *   <li>A field is required when a node carrying its key has no default: {@code default_value}
 *       missing, null or an empty string ({@code default_value_url} for images, where a linked
 *       {@code default_value} image also counts as a default).
 *   <li>Several nodes may share an {@code input_id}: that is one field (type, description and
 *       display name from the first node), every node receives the value, each checks it against
 *       its own type, and the field is required if any of them has no default.
 *   <li>A key given as JSON {@code null} counts as not given.
 * </ul>
 */
public final class ExternalInputs {
  public static final String TEXT = "ComfyUIDeployExternalText";
  public static final String NUMBER = "ComfyUIDeployExternalNumber";
  public static final String NUMBER_INT = "ComfyUIDeployExternalNumberInt";
  public static final String BOOLEAN = "ComfyUIDeployExternalBoolean";
  public static final String IMAGE = "ComfyUIDeployExternalImage";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final int MAX_SHOWN_CHARS = 80;

  /**
   * One run input of a deployment.
   *
   * @param key the {@code input_id}
   * @param type {@code string}, {@code number}, {@code integer}, {@code boolean} or {@code image}
   * @param defaultValue a String, Double, Long or Boolean, or null when there is no literal default
   * @param nodeId the first node that declares the key
   */
  public record InputField(String key, String type, boolean required, Object defaultValue,
      String description, String displayName, String nodeId, String classType) {}

  private enum Kind {
    STRING_INPUT(TEXT, "string", "default_value", "a string"),
    NUMBER_INPUT(NUMBER, "number", "default_value", "a number"),
    INTEGER_INPUT(NUMBER_INT, "integer", "default_value", "an integer"),
    BOOLEAN_INPUT(BOOLEAN, "boolean", "default_value", "true or false"),
    IMAGE_INPUT(IMAGE, "image", "default_value_url", "an image (a data: URL, an uploaded file or a URL)");

    final String classType;
    final String type;
    final String valueInput;
    final String expected;

    Kind(String classType, String type, String valueInput, String expected) {
      this.classType = classType;
      this.type = type;
      this.valueInput = valueInput;
      this.expected = expected;
    }

    static Kind of(String classType) {
      for (Kind kind : values()) {
        if (kind.classType.equals(classType)) {
          return kind;
        }
      }
      return null;
    }
  }

  /** One external node of the workflow. */
  private record Binding(WorkflowNode node, Kind kind, String key, boolean hasDefault, Object defaultValue) {}

  private ExternalInputs() {}

  public static boolean isExternalInput(String classType) {
    return Kind.of(classType) != null;
  }

  /** One field per distinct {@code input_id}, in the order the workflow first mentions each. */
  public static List<InputField> schema(Workflow workflow) {
    Map<String, InputField> fields = new LinkedHashMap<>();
    for (Binding b : bindings(workflow)) {
      InputField first = fields.get(b.key());
      if (first == null) {
        fields.put(b.key(), new InputField(b.key(), b.kind().type, !b.hasDefault(), b.defaultValue(),
            text(b.node(), "description"), text(b.node(), "display_name"), b.node().id(),
            b.node().classType()));
      } else {
        fields.put(b.key(), new InputField(first.key(), first.type(), first.required() || !b.hasDefault(),
            first.defaultValue() != null ? first.defaultValue() : b.defaultValue(), first.description(),
            first.displayName(), first.nodeId(), first.classType()));
      }
    }
    return List.copyOf(fields.values());
  }

  /**
   * {@code [{key, type, required, default, description, display_name, node_id, class_type}...]}:
   * the shape of an {@code inputSchema} entry plus where the input lives.
   */
  public static ArrayNode toJson(List<InputField> fields) {
    ArrayNode array = JSON.arrayNode();
    for (InputField f : fields) {
      ObjectNode o = array.addObject();
      o.put("key", f.key());
      o.put("type", f.type());
      o.put("required", f.required());
      o.set("default", toJson(f.defaultValue()));
      o.put("description", f.description());
      o.put("display_name", f.displayName());
      o.put("node_id", f.nodeId());
      o.put("class_type", f.classType());
    }
    return array;
  }

  /**
   * A copy of the workflow (nodes and JSON) with each given input written into its nodes. Null or a
   * JSON null means no inputs.
   *
   * @throws WorkflowParseException with a ComfyUI-shaped failure: {@code invalid_inputs} when
   *     {@code inputs} is not a JSON object; else {@code unknown_input} for a key no node declares,
   *     {@code required_input_missing} and {@code invalid_input_type} with {@code node_errors} per
   *     node. One problem is the top-level error itself; several are summed up as
   *     {@code invalid_inputs} with each listed in {@code extra_info.errors}.
   */
  public static Workflow apply(Workflow workflow, JsonNode inputs) throws WorkflowParseException {
    if (inputs == null || inputs.isNull() || inputs.isMissingNode()) {
      inputs = JSON.objectNode();
    }
    if (!inputs.isObject()) {
      throw new WorkflowParseException(ValidationFailure.of(new ValidationError("invalid_inputs",
          "Run inputs must be a JSON object keyed by input_id", "got " + describe(inputs),
          ValidationError.info("received_type", jsonType(inputs)))));
    }
    List<Binding> bindings = bindings(workflow);
    Map<String, List<Binding>> byKey = new LinkedHashMap<>();
    bindings.forEach(b -> byKey.computeIfAbsent(b.key(), k -> new ArrayList<>()).add(b));

    List<ValidationError> problems = new ArrayList<>();
    Map<String, List<ValidationError>> errorsByNode = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : inputs.properties()) {
      if (!byKey.containsKey(entry.getKey())) {
        problems.add(new ValidationError("unknown_input", "Unknown run input",
            "'" + entry.getKey() + "' is not an input of this workflow; its inputs are " + byKey.keySet(),
            ValidationError.info("input_id", entry.getKey(), "known_inputs", List.copyOf(byKey.keySet()))));
      }
    }
    Map<String, JsonNode> replacements = new LinkedHashMap<>();
    for (Map.Entry<String, List<Binding>> group : byKey.entrySet()) {
      String key = group.getKey();
      JsonNode value = inputs.get(key);
      for (Binding b : group.getValue()) {
        ValidationError error = null;
        if (value == null || value.isNull()) {
          if (!b.hasDefault()) {
            error = new ValidationError("required_input_missing", "Required input is missing", key,
                ValidationError.info("input_id", key, "input_name", b.kind().valueInput,
                    "expected_type", b.kind().type));
          }
        } else {
          JsonNode converted = convert(b.kind(), value);
          if (converted == null) {
            error = new ValidationError("invalid_input_type", "Run input has the wrong type",
                key + ": expected " + b.kind().expected + ", got " + describe(value),
                ValidationError.info("input_id", key, "input_name", b.kind().valueInput,
                    "expected_type", b.kind().type, "received_type", jsonType(value)));
          } else {
            replacements.put(b.node().id(), converted);
          }
        }
        if (error != null) {
          problems.add(error);
          errorsByNode.computeIfAbsent(b.node().id(), id -> new ArrayList<>()).add(error);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new WorkflowParseException(failure(workflow, problems, errorsByNode));
    }
    return withValues(workflow, bindings, replacements);
  }

  private static ValidationFailure failure(Workflow workflow, List<ValidationError> problems,
      Map<String, List<ValidationError>> errorsByNode) {
    Map<String, NodeErrors> nodeErrors = new LinkedHashMap<>();
    errorsByNode.forEach((id, errors) ->
        nodeErrors.put(id, new NodeErrors(errors, List.of(), workflow.nodes().get(id).classType())));
    if (problems.size() == 1) {
      return new ValidationFailure(problems.get(0), nodeErrors);
    }
    List<String> lines = new ArrayList<>();
    List<Map<String, Object>> listed = new ArrayList<>();
    for (ValidationError e : problems) {
      lines.add(e.message() + ": " + e.details());
      listed.add(ValidationError.info("type", e.type(), "message", e.message(), "details", e.details()));
    }
    return new ValidationFailure(new ValidationError("invalid_inputs", "Run inputs failed validation",
        String.join("\n", lines), ValidationError.info("errors", listed)), nodeErrors);
  }

  /** The value as the node's input should hold it, or null when it has the wrong JSON type. */
  private static JsonNode convert(Kind kind, JsonNode value) {
    return switch (kind) {
      case STRING_INPUT -> value.isTextual() ? value : null;
      case IMAGE_INPUT -> value.isTextual() && !value.asText().isBlank() ? value : null;
      case BOOLEAN_INPUT -> value.isBoolean() ? value : null;
      case NUMBER_INPUT -> value.isNumber() && Double.isFinite(value.asDouble()) ? value : null;
      case INTEGER_INPUT -> integer(value);
    };
  }

  /** Whole numbers only; {@code 2.0} is accepted as 2 (JSON does not tell them apart), 1.5 is not. */
  private static JsonNode integer(JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.canConvertToLong() ? JSON.numberNode(value.asLong()) : null;
    }
    if (value.isNumber()) {
      double d = value.asDouble();
      if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) <= 9.0e15) {
        return JSON.numberNode((long) d);
      }
    }
    return null;
  }

  private static Workflow withValues(Workflow workflow, List<Binding> bindings, Map<String, JsonNode> values) {
    ObjectNode json = workflow.json().deepCopy();
    Map<String, WorkflowNode> nodes = new LinkedHashMap<>(workflow.nodes());
    for (Binding b : bindings) {
      JsonNode value = values.get(b.node().id());
      if (value == null) {
        continue;
      }
      String input = b.kind().valueInput;
      JsonNode nodeJson = json.get(b.node().id());
      if (nodeJson instanceof ObjectNode o && o.get("inputs") instanceof ObjectNode in) {
        in.set(input, value.deepCopy());
      }
      Map<String, InputValue> inputs = new LinkedHashMap<>(b.node().inputs());
      inputs.put(input, new InputValue.Literal(value.deepCopy()));
      nodes.put(b.node().id(), new WorkflowNode(b.node().id(), b.node().classType(), inputs, b.node().title()));
    }
    return new Workflow(nodes, json);
  }

  private static List<Binding> bindings(Workflow workflow) {
    List<Binding> result = new ArrayList<>();
    for (WorkflowNode node : workflow.nodes().values()) {
      Kind kind = Kind.of(node.classType());
      if (kind == null) {
        continue;
      }
      if (!(node.inputs().get("input_id") instanceof InputValue.Literal id) || !id.value().isTextual()
          || id.value().asText().isBlank()) {
        continue;
      }
      InputValue given = node.inputs().get(kind.valueInput);
      boolean hasDefault = false;
      Object defaultValue = null;
      if (given instanceof InputValue.Link) {
        hasDefault = true;
      } else if (given instanceof InputValue.Literal literal) {
        defaultValue = defaultOf(kind, literal.value());
        hasDefault = defaultValue != null;
      }
      if (kind == Kind.IMAGE_INPUT && node.inputs().get("default_value") instanceof InputValue.Link) {
        hasDefault = true; // an image wired in from another node
      }
      result.add(new Binding(node, kind, id.value().asText(), hasDefault, defaultValue));
    }
    return result;
  }

  /**
   * The literal default as the node would read it, or null when there is none (null, an empty
   * string, or a value of the wrong type, which validation reports on the node anyway).
   */
  private static Object defaultOf(Kind kind, JsonNode value) {
    if (value.isNull() || (value.isTextual() && value.asText().isEmpty())) {
      return null;
    }
    String type = switch (kind) {
      case STRING_INPUT, IMAGE_INPUT -> Types.STRING;
      case NUMBER_INPUT -> Types.FLOAT;
      case INTEGER_INPUT -> Types.INT;
      case BOOLEAN_INPUT -> Types.BOOLEAN;
    };
    try {
      return LiteralCoercion.coerce(type, value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String text(WorkflowNode node, String input) {
    if (node.inputs().get(input) instanceof InputValue.Literal literal && literal.value().isTextual()) {
      return literal.value().asText();
    }
    return "";
  }

  private static JsonNode toJson(Object value) {
    return switch (value) {
      case null -> JSON.nullNode();
      case String s -> JSON.textNode(s);
      case Long l -> JSON.numberNode(l);
      case Double d -> JSON.numberNode(d);
      case Boolean b -> JSON.booleanNode(b);
      default -> JSON.textNode(value.toString());
    };
  }

  /** The JSON type of a value: string, integer, number, boolean, array, object or null. */
  private static String jsonType(JsonNode value) {
    return switch (value.getNodeType()) {
      case STRING -> "string";
      case NUMBER -> value.isIntegralNumber() ? "integer" : "number";
      case BOOLEAN -> "boolean";
      case ARRAY -> "array";
      case OBJECT -> "object";
      case NULL -> "null";
      default -> value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** The JSON type and a short rendering of the value (data URLs can be megabytes). */
  private static String describe(JsonNode value) {
    if (value.isContainerNode()) {
      return jsonType(value);
    }
    String shown = value.toString();
    if (shown.length() > MAX_SHOWN_CHARS) {
      shown = shown.substring(0, MAX_SHOWN_CHARS) + "...";
    }
    return jsonType(value) + " " + shown;
  }
}
