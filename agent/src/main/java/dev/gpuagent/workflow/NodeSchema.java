package dev.gpuagent.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node class accepts and returns, as ComfyUI's {@code /object_info} describes it.
 *
 * @param outputNode true for nodes that produce run outputs (SaveImage, PreviewImage); only nodes
 *     upstream of an output node execute
 * @param stepBased true for nodes that report per-step progress and check cancel between steps
 */
public record NodeSchema(
    String classType,
    String displayName,
    String category,
    String description,
    List<InputSpec> required,
    List<InputSpec> optional,
    List<InputSpec> hidden,
    List<String> outputTypes,
    List<String> outputNames,
    boolean outputNode,
    boolean stepBased) {

  public NodeSchema {
    Objects.requireNonNull(classType, "classType");
    required = List.copyOf(required);
    optional = List.copyOf(optional);
    hidden = List.copyOf(hidden);
    outputTypes = List.copyOf(outputTypes);
    outputNames = List.copyOf(outputNames);
    if (outputNames.size() != outputTypes.size()) {
      throw new IllegalArgumentException(classType + ": output names and types differ in length");
    }
  }

  public Optional<InputSpec> input(String name) {
    for (List<InputSpec> group : List.of(required, optional, hidden)) {
      for (InputSpec spec : group) {
        if (spec.name().equals(name)) {
          return Optional.of(spec);
        }
      }
    }
    return Optional.empty();
  }

  public static Builder builder(String classType) {
    return new Builder(classType);
  }

  /** Keeps node declarations in the registry short and readable. */
  public static final class Builder {
    private final String classType;
    private String displayName;
    private String category = "image";
    private String description = "";
    private final List<InputSpec> required = new ArrayList<>();
    private final List<InputSpec> optional = new ArrayList<>();
    private final List<InputSpec> hidden = new ArrayList<>();
    private final List<String> outputTypes = new ArrayList<>();
    private final List<String> outputNames = new ArrayList<>();
    private boolean outputNode;
    private boolean stepBased;

    private Builder(String classType) {
      this.classType = classType;
      this.displayName = classType;
    }

    public Builder displayName(String value) {
      displayName = value;
      return this;
    }

    public Builder category(String value) {
      category = value;
      return this;
    }

    public Builder description(String value) {
      description = value;
      return this;
    }

    public Builder required(InputSpec... specs) {
      required.addAll(List.of(specs));
      return this;
    }

    public Builder optional(InputSpec... specs) {
      optional.addAll(List.of(specs));
      return this;
    }

    public Builder hidden(InputSpec... specs) {
      hidden.addAll(List.of(specs));
      return this;
    }

    public Builder output(String type, String name) {
      outputTypes.add(type);
      outputNames.add(name);
      return this;
    }

    public Builder output(String type) {
      return output(type, type);
    }

    public Builder outputNode() {
      outputNode = true;
      return this;
    }

    public Builder stepBased() {
      stepBased = true;
      return this;
    }

    public NodeSchema build() {
      return new NodeSchema(classType, displayName, category, description, required, optional,
          hidden, outputTypes, outputNames, outputNode, stepBased);
    }
  }
}
