package dev.gpuagent.workflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders node schemas in the shape of ComfyUI's {@code /object_info}. */
public final class SchemaJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SchemaJson() {}

  /** {@code [type, {default, min, max, step}]} or {@code [[options...], {default}]}, as ComfyUI writes it. */
  public static List<Object> inputConfig(InputSpec spec) {
    Map<String, Object> options = new LinkedHashMap<>();
    if (spec.defaultValue() != null) {
      options.put("default", spec.defaultValue());
    }
    if (spec.min() != null) {
      options.put("min", number(spec.type(), spec.min()));
    }
    if (spec.max() != null) {
      options.put("max", number(spec.type(), spec.max()));
    }
    if (spec.step() != null) {
      options.put("step", number(spec.type(), spec.step()));
    }
    if (spec.tooltip() != null) {
      options.put("tooltip", spec.tooltip());
    }
    Object type = spec.isCombo() ? spec.options() : spec.type();
    return options.isEmpty() ? List.of(type) : List.of(type, options);
  }

  /** INT bounds print as integers, FLOAT bounds as decimals. */
  static Object number(String type, double value) {
    return Types.INT.equals(type) ? (Object) (long) value : (Object) value;
  }

  public static ObjectNode objectInfo(NodeSchema schema) {
    ObjectNode node = MAPPER.createObjectNode();
    ObjectNode input = node.putObject("input");
    fill(input.putObject("required"), schema.required());
    if (!schema.optional().isEmpty()) {
      fill(input.putObject("optional"), schema.optional());
    }
    if (!schema.hidden().isEmpty()) {
      fill(input.putObject("hidden"), schema.hidden());
    }
    ArrayNode order = node.putObject("input_order").putArray("required");
    schema.required().forEach(s -> order.add(s.name()));
    if (!schema.optional().isEmpty()) {
      ArrayNode opt = ((ObjectNode) node.get("input_order")).putArray("optional");
      schema.optional().forEach(s -> opt.add(s.name()));
    }
    ArrayNode output = node.putArray("output");
    schema.outputTypes().forEach(output::add);
    ArrayNode isList = node.putArray("output_is_list");
    schema.outputTypes().forEach(t -> isList.add(false));
    ArrayNode names = node.putArray("output_name");
    schema.outputNames().forEach(names::add);
    node.put("name", schema.classType());
    node.put("display_name", schema.displayName());
    node.put("description", schema.description());
    node.put("python_module", "gpu_agent");
    node.put("category", schema.category());
    node.put("output_node", schema.outputNode());
    node.put("step_based", schema.stepBased());
    return node;
  }

  private static void fill(ObjectNode target, List<InputSpec> specs) {
    for (InputSpec spec : specs) {
      target.set(spec.name(), MAPPER.valueToTree(inputConfig(spec)));
    }
  }
}
