package dev.gpuagent.workflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads ComfyUI API-format graphs, bare or wrapped as {@code {"prompt": {...}}} (the body of
 * ComfyUI's {@code POST /prompt}). Size, depth and node-count limits are enforced while parsing,
 * so a hostile document costs bounded memory.
 */
public final class WorkflowParser {
  private final WorkflowLimits limits;
  private final ObjectMapper mapper;

  public WorkflowParser(WorkflowLimits limits) {
    this.limits = limits;
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(limits.maxJsonDepth())
            .maxDocumentLength(limits.maxJsonBytes())
            .maxStringLength((int) Math.min(Integer.MAX_VALUE, limits.maxJsonBytes()))
            .build())
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    this.mapper = new ObjectMapper(factory);
  }

  public WorkflowParser() {
    this(WorkflowLimits.DEFAULT);
  }

  public Workflow parse(String json) throws WorkflowParseException {
    return parse(json.getBytes(StandardCharsets.UTF_8));
  }

  public Workflow parse(byte[] json) throws WorkflowParseException {
    if (json.length > limits.maxJsonBytes()) {
      throw tooLarge("workflow JSON is " + json.length + " bytes, over the limit of "
          + limits.maxJsonBytes(), "max_json_bytes", limits.maxJsonBytes(), json.length);
    }
    JsonNode root;
    try (JsonParser parser = mapper.createParser(json)) {
      root = mapper.readTree(parser);
    } catch (StreamConstraintsException e) {
      throw new WorkflowParseException(ValidationFailure.of(new ValidationError("limit_exceeded",
          "Workflow JSON exceeds a size limit", e.getOriginalMessage(), Map.of())));
    } catch (JsonProcessingException e) {
      throw new WorkflowParseException(ValidationFailure.of("invalid_prompt",
          "Workflow is not valid JSON", e.getOriginalMessage()));
    } catch (IOException e) {
      throw new WorkflowParseException(ValidationFailure.of("invalid_prompt",
          "Workflow could not be read", String.valueOf(e.getMessage())));
    }
    return fromTree(root);
  }

  /** Builds a workflow from an already-parsed tree (the server's request bodies). */
  public Workflow fromTree(JsonNode root) throws WorkflowParseException {
    if (root == null || !root.isObject()) {
      throw new WorkflowParseException(ValidationFailure.of("invalid_prompt",
          "Workflow must be a JSON object of nodes keyed by node id", ""));
    }
    JsonNode graph = root;
    JsonNode wrapped = root.get("prompt");
    if (wrapped != null && wrapped.isObject() && !wrapped.has("class_type")) {
      graph = wrapped;
    }
    if (graph.size() > limits.maxNodes()) {
      throw tooLarge("workflow has " + graph.size() + " nodes, over the limit of "
          + limits.maxNodes(), "max_nodes", limits.maxNodes(), graph.size());
    }
    Map<String, WorkflowNode> nodes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : graph.properties()) {
      nodes.put(entry.getKey(), node(entry.getKey(), entry.getValue()));
    }
    return new Workflow(nodes, (ObjectNode) graph.deepCopy());
  }

  private static WorkflowNode node(String id, JsonNode json) throws WorkflowParseException {
    if (!json.isObject()) {
      throw new WorkflowParseException(ValidationFailure.of(new ValidationError("invalid_prompt",
          "Cannot execute because a node is not a JSON object.", "Node ID '#" + id + "'",
          ValidationError.info("node_id", id))));
    }
    JsonNode classType = json.get("class_type");
    if (classType == null || !classType.isTextual()) {
      throw new WorkflowParseException(ValidationFailure.of(new ValidationError("invalid_prompt",
          "Cannot execute because a node is missing the class_type property.",
          "Node ID '#" + id + "'", ValidationError.info("node_id", id))));
    }
    JsonNode inputsJson = json.get("inputs");
    Map<String, InputValue> inputs = new LinkedHashMap<>();
    if (inputsJson != null && !inputsJson.isNull()) {
      if (!inputsJson.isObject()) {
        throw new WorkflowParseException(ValidationFailure.of(new ValidationError("invalid_prompt",
            "Cannot execute because a node's inputs are not a JSON object.",
            "Node ID '#" + id + "'", ValidationError.info("node_id", id))));
      }
      for (Map.Entry<String, JsonNode> input : inputsJson.properties()) {
        inputs.put(input.getKey(), inputValue(input.getValue()));
      }
    }
    String title = null;
    JsonNode meta = json.get("_meta");
    if (meta != null && meta.path("title").isTextual()) {
      title = meta.get("title").asText();
    }
    return new WorkflowNode(id, classType.asText(), inputs, title);
  }

  /**
   * A two-element array {@code [node_id, output_index]} is a link, as in ComfyUI; any other array is
   * kept as a literal so validation can report it as {@code bad_linked_input}.
   */
  private static InputValue inputValue(JsonNode value) {
    if (value.isArray() && value.size() == 2) {
      JsonNode source = value.get(0);
      JsonNode slot = value.get(1);
      if ((source.isTextual() || source.isIntegralNumber()) && slot.isIntegralNumber()
          && slot.canConvertToInt() && slot.asInt() >= 0) {
        return new InputValue.Link(source.asText(), slot.asInt());
      }
    }
    return new InputValue.Literal(value);
  }

  private static WorkflowParseException tooLarge(String message, String limit, long max, long got) {
    return new WorkflowParseException(ValidationFailure.of(new ValidationError("limit_exceeded",
        "Workflow exceeds a configured limit", message,
        ValidationError.info("limit", limit, "max", max, "received", got))));
  }

  public ObjectMapper mapper() {
    return mapper;
  }
}
