package dev.gpuagent.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.NodeCatalog;
import dev.gpuagent.engine.NodeImpl;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.SchemaJson;
import dev.gpuagent.workflow.SchemaLookup;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Every node class the agent knows, by class type: the one place nodes are listed. */
public final class NodeRegistry implements SchemaLookup, NodeCatalog {
  private final Map<String, NodeDefinition> nodes = new LinkedHashMap<>();

  /** The standard library of DESIGN section 5. */
  public static NodeRegistry standard() {
    NodeRegistry registry = new NodeRegistry();
    ImageNodes.register(registry);
    ExternalInputNodes.register(registry);
    FilterNodes.register(registry);
    ScaleNodes.register(registry);
    BlendNodes.register(registry);
    MaskNodes.register(registry);
    LayoutNodes.register(registry);
    return registry;
  }

  public void register(NodeDefinition definition) {
    String type = definition.schema().classType();
    if (nodes.putIfAbsent(type, definition) != null) {
      throw new IllegalStateException("node " + type + " is registered twice");
    }
  }

  public Optional<NodeDefinition> definition(String classType) {
    return Optional.ofNullable(nodes.get(classType));
  }

  public Collection<NodeDefinition> definitions() {
    return Collections.unmodifiableCollection(nodes.values());
  }

  @Override
  public Optional<NodeSchema> schema(String classType) {
    return definition(classType).map(NodeDefinition::schema);
  }

  @Override
  public Optional<NodeImpl> implementation(String classType, BackendKind kind) {
    return definition(classType).flatMap(d -> d.implementation(kind));
  }

  /** All schemas in the shape of ComfyUI's {@code /object_info}, keyed by class type. */
  public ObjectNode objectInfo(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode();
    nodes.values().forEach(d -> root.set(d.schema().classType(), SchemaJson.objectInfo(d.schema())));
    return root;
  }
}
