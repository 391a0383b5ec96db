package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExternalInputNodesTest {

  private static NodeSchema schema(String classType) {
    return NodeHarness.REGISTRY.schema(classType).orElseThrow();
  }

  private static List<String> names(List<InputSpec> specs) {
    return specs.stream().map(InputSpec::name).toList();
  }

  @Test
  void schemasMatchComfyDeploy() {
    NodeSchema text = schema("ComfyUIDeployExternalText");
    assertEquals("External Text (ComfyUI Deploy)", text.displayName());
    assertEquals("🔗ComfyDeploy", text.category());
    assertEquals(List.of("input_id"), names(text.required()));
    assertEquals("input_text", text.input("input_id").orElseThrow().defaultValue());
    assertEquals(List.of("default_value", "display_name", "description"), names(text.optional()));
    assertEquals("", text.input("default_value").orElseThrow().defaultValue());
    assertEquals(List.of("STRING"), text.outputTypes());
    assertEquals(List.of("text"), text.outputNames());

    NodeSchema number = schema("ComfyUIDeployExternalNumber");
    assertEquals("External Number (ComfyUI Deploy)", number.displayName());
    assertEquals("input_number", number.input("input_id").orElseThrow().defaultValue());
    InputSpec value = number.input("default_value").orElseThrow();
    assertEquals("FLOAT", value.type());
    assertEquals(0.0, value.defaultValue());
    assertEquals(-2147483647.0, value.min());
    assertEquals(2147483647.0, value.max());
    assertEquals(0.01, value.step());
    assertEquals(List.of("FLOAT"), number.outputTypes());
    assertEquals(List.of("value"), number.outputNames());

    NodeSchema integer = schema("ComfyUIDeployExternalNumberInt");
    assertEquals("External Number Int (ComfyUI Deploy)", integer.displayName());
    InputSpec intValue = integer.input("default_value").orElseThrow();
    assertEquals("INT", intValue.type());
    assertEquals(0L, intValue.defaultValue());
    assertEquals(-2147483647.0, intValue.min());
    assertEquals(List.of("INT"), integer.outputTypes());
    assertEquals(List.of("value"), integer.outputNames());

    NodeSchema bool = schema("ComfyUIDeployExternalBoolean");
    assertEquals("External Boolean (ComfyUI Deploy)", bool.displayName());
    assertEquals(List.of("input_id", "default_value"), names(bool.required()));
    assertEquals("input_bool", bool.input("input_id").orElseThrow().defaultValue());
    assertEquals(false, bool.input("default_value").orElseThrow().defaultValue());
    assertEquals(List.of("display_name", "description"), names(bool.optional()));
    assertEquals(List.of("BOOLEAN"), bool.outputTypes());
    assertEquals(List.of("bool_value"), bool.outputNames());
  }

  @Test
  void eachNodeOutputsItsDefaultValue() throws Exception {
    assertArrayEquals(new Object[] {"a bird"},
        NodeHarness.run("ComfyUIDeployExternalText", "input_id", "prompt", "default_value", "a bird"));
    assertArrayEquals(new Object[] {0.25},
        NodeHarness.run("ComfyUIDeployExternalNumber", "input_id", "s", "default_value", 0.25));
    assertArrayEquals(new Object[] {-12L},
        NodeHarness.run("ComfyUIDeployExternalNumberInt", "input_id", "n", "default_value", -12));
    assertArrayEquals(new Object[] {true},
        NodeHarness.run("ComfyUIDeployExternalBoolean", "input_id", "b", "default_value", true));
  }

  @Test
  void omittedDefaultValueFallsBackToTheSchemaDefault() throws Exception {
    assertArrayEquals(new Object[] {""}, NodeHarness.run("ComfyUIDeployExternalText", "input_id", "p"));
    assertArrayEquals(new Object[] {0.0}, NodeHarness.run("ComfyUIDeployExternalNumber", "input_id", "p"));
    assertArrayEquals(new Object[] {0L}, NodeHarness.run("ComfyUIDeployExternalNumberInt", "input_id", "p"));
    assertArrayEquals(new Object[] {false}, NodeHarness.run("ComfyUIDeployExternalBoolean", "input_id", "p"));
  }

  @Test
  void numberIdIsNotParsedAsTheValue() throws Exception {
    // ComfyDeploy's node returns float(input_id) when it parses; gpu-agent never rewrites input_id.
    assertArrayEquals(new Object[] {1.5},
        NodeHarness.run("ComfyUIDeployExternalNumber", "input_id", "3", "default_value", 1.5));
  }

  @Test
  void theyRunOnEitherBackend() {
    for (String type : List.of("ComfyUIDeployExternalText", "ComfyUIDeployExternalNumber",
        "ComfyUIDeployExternalNumberInt", "ComfyUIDeployExternalBoolean")) {
      assertTrue(NodeHarness.REGISTRY.implementation(type, BackendKind.CUDA).isPresent(), type);
    }
  }
}
