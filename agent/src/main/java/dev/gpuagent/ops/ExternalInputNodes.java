package dev.gpuagent.ops;

import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;

/**
 * ComfyDeploy's external-input nodes ({@code comfyui-deploy/comfy-nodes/external_*.py}) with their
 * inputs, defaults and output names. A run's {@code inputs[input_id]} has already replaced
 * {@code default_value} (see {@link dev.gpuagent.workflow.ExternalInputs}) when these run, so each
 * node outputs its {@code default_value}. ComfyDeploy's number nodes also try to parse
 * {@code input_id} itself as the number (its server overwrites {@code input_id} for backward
 * compatibility); gpu-agent leaves {@code input_id} alone, so that fallback is not reproduced.
 * ComfyUIDeployExternalImage lives with the image loaders. These nodes touch no tensor, so one
 * implementation serves both backends.
 */
final class ExternalInputNodes {
  private ExternalInputNodes() {}

  static final String CATEGORY = "🔗ComfyDeploy";
  /** ComfyDeploy's bounds for number inputs. */
  static final long NUMBER_LIMIT = 2147483647L;

  static void register(NodeRegistry registry) {
    registry.register(new NodeDefinition(TEXT, ExternalInputNodes::textCpu, ExternalInputNodes::textCpu));
    registry.register(new NodeDefinition(NUMBER, ExternalInputNodes::numberCpu, ExternalInputNodes::numberCpu));
    registry.register(new NodeDefinition(NUMBER_INT, ExternalInputNodes::numberIntCpu,
        ExternalInputNodes::numberIntCpu));
    registry.register(new NodeDefinition(BOOLEAN, ExternalInputNodes::booleanCpu, ExternalInputNodes::booleanCpu));
  }

  private static InputSpec displayName() {
    return InputSpec.string("display_name", "");
  }

  private static InputSpec description() {
    return InputSpec.string("description", "");
  }

  static final NodeSchema TEXT = NodeSchema.builder("ComfyUIDeployExternalText")
      .displayName("External Text (ComfyUI Deploy)")
      .category(CATEGORY)
      .description("A text run input: the run's inputs[input_id], else default_value.")
      .required(InputSpec.string("input_id", "input_text"))
      .optional(InputSpec.string("default_value", ""), displayName(), description())
      .output(Types.STRING, "text")
      .build();

  static Object[] textCpu(NodeInvocation call) {
    return new Object[] {call.string("default_value")};
  }

  static final NodeSchema NUMBER = NodeSchema.builder("ComfyUIDeployExternalNumber")
      .displayName("External Number (ComfyUI Deploy)")
      .category(CATEGORY)
      .description("A number run input: the run's inputs[input_id], else default_value.")
      .required(InputSpec.string("input_id", "input_number"))
      .optional(InputSpec.number("default_value", 0.0, -NUMBER_LIMIT, NUMBER_LIMIT, 0.01),
          displayName(), description())
      .output(Types.FLOAT, "value")
      .build();

  static Object[] numberCpu(NodeInvocation call) {
    return new Object[] {call.number("default_value")};
  }

  static final NodeSchema NUMBER_INT = NodeSchema.builder("ComfyUIDeployExternalNumberInt")
      .displayName("External Number Int (ComfyUI Deploy)")
      .category(CATEGORY)
      .description("An integer run input: the run's inputs[input_id], else default_value.")
      .required(InputSpec.string("input_id", "input_number"))
      .optional(InputSpec.integer("default_value", 0, -NUMBER_LIMIT, NUMBER_LIMIT),
          displayName(), description())
      .output(Types.INT, "value")
      .build();

  static Object[] numberIntCpu(NodeInvocation call) {
    return new Object[] {call.integer("default_value")};
  }

  /** In ComfyDeploy the boolean's default_value is required, unlike the other nodes'. */
  static final NodeSchema BOOLEAN = NodeSchema.builder("ComfyUIDeployExternalBoolean")
      .displayName("External Boolean (ComfyUI Deploy)")
      .category(CATEGORY)
      .description("A boolean run input: the run's inputs[input_id], else default_value.")
      .required(InputSpec.string("input_id", "input_bool"), InputSpec.bool("default_value", false))
      .optional(displayName(), description())
      .output(Types.BOOLEAN, "bool_value")
      .build();

  static Object[] booleanCpu(NodeInvocation call) {
    return new Object[] {call.bool("default_value")};
  }
}
