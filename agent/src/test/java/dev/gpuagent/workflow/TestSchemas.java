package dev.gpuagent.workflow;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A few node schemas shaped like ComfyUI's, for validation tests independent of the node library. */
public final class TestSchemas implements SchemaLookup {
  public static final TestSchemas INSTANCE = new TestSchemas();

  private final Map<String, NodeSchema> schemas = Map.of(
      "Empty", NodeSchema.builder("Empty")
          .required(InputSpec.integer("width", 512, 1, 16384), InputSpec.integer("height", 512, 1, 16384))
          .optional(InputSpec.integer("batch_size", 1, 1, 4096))
          .output(Types.IMAGE).build(),
      "Blur", NodeSchema.builder("Blur")
          .required(InputSpec.image("image"), InputSpec.integer("blur_radius", 1, 1, 31),
              InputSpec.number("sigma", 1.0, 0.1, 10.0, 0.1))
          .output(Types.IMAGE).build(),
      "Scale", NodeSchema.builder("Scale")
          .required(InputSpec.image("image"),
              InputSpec.combo("method", List.of("nearest-exact", "bilinear"), "nearest-exact"),
              InputSpec.bool("enabled", true))
          .output(Types.IMAGE).build(),
      "ToMask", NodeSchema.builder("ToMask")
          .required(InputSpec.image("image")).output(Types.MASK).build(),
      "Text", NodeSchema.builder("Text")
          .required(InputSpec.string("value", "")).output(Types.STRING).build(),
      "Save", NodeSchema.builder("Save")
          .required(InputSpec.image("images"), InputSpec.string("filename_prefix", "ComfyUI"))
          .outputNode().build());

  @Override
  public Optional<NodeSchema> schema(String classType) {
    return Optional.ofNullable(schemas.get(classType));
  }
}
