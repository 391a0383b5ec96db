package dev.gpuagent.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.workflow.ExternalInputs.InputField;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExternalInputsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Every kind of external node, a shared input_id, a linked input_id and ordinary nodes. */
  private static final String SAMPLE = """
      {
        "1": {"class_type": "ComfyUIDeployExternalText", "_meta": {"title": "Prompt"},
              "inputs": {"input_id": "prompt", "default_value": "a cat", "display_name": "Prompt",
                         "description": "What to draw"}},
        "2": {"class_type": "ComfyUIDeployExternalNumber",
              "inputs": {"input_id": "strength", "default_value": 0.75, "display_name": "",
                         "description": "Blend strength"}},
        "3": {"class_type": "ComfyUIDeployExternalNumberInt", "inputs": {"input_id": "steps", "default_value": 20}},
        "4": {"class_type": "ComfyUIDeployExternalBoolean", "inputs": {"input_id": "flip", "default_value": false}},
        "5": {"class_type": "ComfyUIDeployExternalImage",
              "inputs": {"input_id": "input_image", "default_value_url": "", "description": "Picture to edit"}},
        "6": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": "negative", "default_value": ""}},
        "7": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": "prompt", "default_value": "a dog"}},
        "8": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": ["9", 0], "default_value": "x"}},
        "9": {"class_type": "PrimitiveString", "inputs": {"value": "linked"}},
        "10": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": " ", "default_value": "x"}},
        "11": {"class_type": "ImageInvert", "inputs": {"image": ["5", 0]}},
        "12": {"class_type": "SaveImage", "inputs": {"images": ["11", 0], "filename_prefix": "out"}}
      }
      """;

  /** Only inputs with defaults, so a run may give none of them. */
  private static final String OPTIONAL_ONLY = """
      {
        "1": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": "prompt", "default_value": "a cat"}},
        "2": {"class_type": "ComfyUIDeployExternalNumber", "inputs": {"input_id": "strength", "default_value": 0.75}},
        "3": {"class_type": "ComfyUIDeployExternalNumberInt", "inputs": {"input_id": "steps", "default_value": 20}},
        "4": {"class_type": "ComfyUIDeployExternalBoolean", "inputs": {"input_id": "flip", "default_value": false}},
        "5": {"class_type": "ComfyUIDeployExternalImage",
              "inputs": {"input_id": "image", "default_value_url": "https://example.com/cat.png"}}
      }
      """;

  private static Workflow parse(String json) throws Exception {
    return new WorkflowParser().parse(json);
  }

  private static JsonNode json(String text) throws Exception {
    return MAPPER.readTree(text);
  }

  private static ValidationFailure failure(String workflow, String inputs) throws Exception {
    Workflow w = parse(workflow);
    JsonNode in = json(inputs);
    return assertThrows(WorkflowParseException.class, () -> ExternalInputs.apply(w, in)).failure();
  }

  private static JsonNode input(Workflow workflow, String nodeId, String name) {
    return ((InputValue.Literal) workflow.nodes().get(nodeId).inputs().get(name)).value();
  }

  @Test
  void schemaHasOneFieldPerInputIdInWorkflowOrder() throws Exception {
    List<InputField> fields = ExternalInputs.schema(parse(SAMPLE));
    assertEquals(List.of(
        new InputField("prompt", "string", false, "a cat", "What to draw", "Prompt", "1",
            "ComfyUIDeployExternalText"),
        new InputField("strength", "number", false, 0.75, "Blend strength", "", "2",
            "ComfyUIDeployExternalNumber"),
        new InputField("steps", "integer", false, 20L, "", "", "3", "ComfyUIDeployExternalNumberInt"),
        new InputField("flip", "boolean", false, false, "", "", "4", "ComfyUIDeployExternalBoolean"),
        new InputField("input_image", "image", true, null, "Picture to edit", "", "5",
            "ComfyUIDeployExternalImage"),
        new InputField("negative", "string", true, null, "", "", "6", "ComfyUIDeployExternalText")),
        fields);
  }

  @Test
  void schemaJsonHasTheInputSchemaShape() throws Exception {
    List<InputField> fields = ExternalInputs.schema(parse(SAMPLE));
    JsonNode array = ExternalInputs.toJson(fields);
    assertEquals(6, array.size());
    assertEquals(json("""
        {"key": "prompt", "type": "string", "required": false, "default": "a cat",
         "description": "What to draw", "display_name": "Prompt", "node_id": "1",
         "class_type": "ComfyUIDeployExternalText"}
        """), array.get(0));
    assertEquals("{\"key\":\"steps\",\"type\":\"integer\",\"required\":false,\"default\":20,"
        + "\"description\":\"\",\"display_name\":\"\",\"node_id\":\"3\","
        + "\"class_type\":\"ComfyUIDeployExternalNumberInt\"}", array.get(2).toString());
    assertEquals(0.75, array.get(1).get("default").doubleValue());
    assertTrue(array.get(1).get("default").isDouble());
    assertTrue(array.get(3).get("default").isBoolean());
    assertTrue(array.get(4).get("default").isNull());
    assertTrue(array.get(4).get("required").booleanValue());
  }

  @Test
  void sharedInputIdIsRequiredWhenOneOfItsNodesHasNoDefault() throws Exception {
    Workflow w = parse("""
        {"1": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": "p", "default_value": ""}},
         "2": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": "p", "default_value": "b"}}}
        """);
    assertEquals(List.of(new InputField("p", "string", true, "b", "", "", "1", "ComfyUIDeployExternalText")),
        ExternalInputs.schema(w));
  }

  @Test
  void linkedImageCountsAsADefault() throws Exception {
    Workflow w = parse("""
        {"1": {"class_type": "ComfyUIDeployExternalImage",
               "inputs": {"input_id": "img", "default_value": ["2", 0], "default_value_url": ""}},
         "2": {"class_type": "LoadImage", "inputs": {"image": "cat.png"}}}
        """);
    InputField field = ExternalInputs.schema(w).get(0);
    assertFalse(field.required());
    assertEquals(null, field.defaultValue());
  }

  @Test
  void missingDefaultMakesANumberRequired() throws Exception {
    Workflow w = parse("""
        {"1": {"class_type": "ComfyUIDeployExternalNumber", "inputs": {"input_id": "n"}}}
        """);
    assertTrue(ExternalInputs.schema(w).get(0).required());
  }

  @Test
  void applyWritesEachValueIntoItsNodes() throws Exception {
    Workflow original = parse(SAMPLE);
    String before = original.json().toString();
    Workflow applied = ExternalInputs.apply(original, json("""
        {"prompt": "a bird", "strength": 1, "steps": 30.0, "flip": true,
         "input_image": "data:image/png;base64,iVBORw0KGgo=", "negative": "blurry"}
        """));

    assertEquals("a bird", input(applied, "1", "default_value").asText());
    assertEquals("a bird", input(applied, "7", "default_value").asText(), "shared input_id");
    assertEquals(1, input(applied, "2", "default_value").intValue());
    JsonNode steps = input(applied, "3", "default_value");
    assertTrue(steps.isIntegralNumber());
    assertEquals(30L, steps.longValue());
    assertTrue(input(applied, "4", "default_value").booleanValue());
    assertEquals("data:image/png;base64,iVBORw0KGgo=", input(applied, "5", "default_value_url").asText());
    assertEquals("blurry", input(applied, "6", "default_value").asText());
    assertEquals("x", input(applied, "8", "default_value").asText(), "linked input_id is no input");

    JsonNode appliedJson = applied.json();
    assertEquals("a bird", appliedJson.at("/7/inputs/default_value").asText());
    assertEquals(30, appliedJson.at("/3/inputs/default_value").intValue());
    assertEquals("data:image/png;base64,iVBORw0KGgo=", appliedJson.at("/5/inputs/default_value_url").asText());
    assertEquals("prompt", appliedJson.at("/1/inputs/input_id").asText(), "input_id is kept");
    assertEquals("Prompt", applied.nodes().get("1").title());
    assertEquals(List.copyOf(original.nodes().keySet()), List.copyOf(applied.nodes().keySet()));

    assertNotSame(original.json(), applied.json());
    assertEquals(before, original.json().toString(), "the original workflow is unchanged");
    assertEquals("a cat", input(original, "1", "default_value").asText());
  }

  @Test
  void applyWithoutInputsKeepsTheDefaults() throws Exception {
    Workflow w = parse(OPTIONAL_ONLY);
    for (JsonNode none : new JsonNode[] {null, json("null"), json("{}")}) {
      Workflow applied = ExternalInputs.apply(w, none);
      assertEquals(w.json(), applied.json());
      assertEquals("a cat", input(applied, "1", "default_value").asText());
    }
  }

  @Test
  void nullValueCountsAsNotGiven() throws Exception {
    Workflow applied = ExternalInputs.apply(parse(OPTIONAL_ONLY), json("{\"prompt\": null}"));
    assertEquals("a cat", input(applied, "1", "default_value").asText());

    ValidationFailure f = failure(SAMPLE, """
        {"input_image": "https://example.com/a.png", "negative": null}""");
    assertEquals("required_input_missing", f.error().type());
  }

  @Test
  void numberAcceptsIntegersAndEmptyTextIsAString() throws Exception {
    Workflow applied = ExternalInputs.apply(parse(OPTIONAL_ONLY), json("""
        {"strength": -3, "prompt": "", "steps": -7}"""));
    assertEquals(-3, input(applied, "2", "default_value").intValue());
    assertEquals("", input(applied, "1", "default_value").asText());
    assertEquals(-7L, input(applied, "3", "default_value").longValue());
  }

  @Test
  void inputsThatAreNotAnObjectAreRejected() throws Exception {
    ValidationFailure f = failure(OPTIONAL_ONLY, "[1, 2]");
    assertEquals("invalid_inputs", f.error().type());
    assertEquals("Run inputs must be a JSON object keyed by input_id", f.error().message());
    assertEquals("got array", f.error().details());
    assertEquals(Map.of("received_type", "array"), f.error().extraInfo());
    assertTrue(f.nodeErrors().isEmpty());

    assertEquals("got string \"steps=3\"", failure(OPTIONAL_ONLY, "\"steps=3\"").error().details());
  }

  @Test
  void unknownInputIsNamedWithTheKnownOnes() throws Exception {
    ValidationFailure f = failure(OPTIONAL_ONLY, "{\"promt\": \"a bird\"}");
    assertEquals("unknown_input", f.error().type());
    assertEquals("Unknown run input", f.error().message());
    assertEquals("'promt' is not an input of this workflow; its inputs are [prompt, strength, steps, flip, image]",
        f.error().details());
    assertEquals("promt", f.error().extraInfo().get("input_id"));
    assertEquals(List.of("prompt", "strength", "steps", "flip", "image"), f.error().extraInfo().get("known_inputs"));
    assertTrue(f.nodeErrors().isEmpty());
  }

  @Test
  void missingRequiredInputIsReportedOnItsNode() throws Exception {
    ValidationFailure f = failure(SAMPLE, "{\"input_image\": \"https://example.com/a.png\"}");
    ValidationError e = f.error();
    assertEquals("required_input_missing", e.type());
    assertEquals("Required input is missing", e.message());
    assertEquals("negative", e.details());
    assertEquals(Map.of("input_id", "negative", "input_name", "default_value", "expected_type", "string"),
        e.extraInfo());
    assertEquals(List.of("6"), List.copyOf(f.nodeErrors().keySet()));
    NodeErrors node = f.nodeErrors().get("6");
    assertEquals("ComfyUIDeployExternalText", node.classType());
    assertEquals(List.of(e), node.errors());
  }

  @Test
  void requiredImageIsReportedWithItsUrlInput() throws Exception {
    ValidationFailure f = failure(SAMPLE, "{\"negative\": \"blurry\"}");
    assertEquals("required_input_missing", f.error().type());
    assertEquals("input_image", f.error().details());
    assertEquals("default_value_url", f.error().extraInfo().get("input_name"));
    assertEquals(List.of("5"), List.copyOf(f.nodeErrors().keySet()));
  }

  private static void assertWrongType(String inputs, String nodeId, String details, String receivedType)
      throws Exception {
    ValidationFailure f = failure(OPTIONAL_ONLY, inputs);
    ValidationError e = f.error();
    assertEquals("invalid_input_type", e.type(), inputs);
    assertEquals("Run input has the wrong type", e.message(), inputs);
    assertEquals(details, e.details(), inputs);
    assertEquals(receivedType, e.extraInfo().get("received_type"), inputs);
    assertEquals(List.of(nodeId), List.copyOf(f.nodeErrors().keySet()), inputs);
    assertEquals(List.of(e), f.nodeErrors().get(nodeId).errors(), inputs);
  }

  @Test
  void wrongJsonTypesAreRejectedPerKind() throws Exception {
    assertWrongType("{\"steps\": 1.5}", "3", "steps: expected an integer, got number 1.5", "number");
    assertWrongType("{\"steps\": \"30\"}", "3", "steps: expected an integer, got string \"30\"", "string");
    assertWrongType("{\"steps\": 99999999999999999999}", "3",
        "steps: expected an integer, got integer 99999999999999999999", "integer");
    assertWrongType("{\"strength\": \"0.5\"}", "2", "strength: expected a number, got string \"0.5\"", "string");
    assertWrongType("{\"strength\": true}", "2", "strength: expected a number, got boolean true", "boolean");
    assertWrongType("{\"flip\": \"true\"}", "4", "flip: expected true or false, got string \"true\"", "string");
    assertWrongType("{\"flip\": 1}", "4", "flip: expected true or false, got integer 1", "integer");
    assertWrongType("{\"prompt\": 5}", "1", "prompt: expected a string, got integer 5", "integer");
    assertWrongType("{\"prompt\": [\"a\"]}", "1", "prompt: expected a string, got array", "array");
    assertWrongType("{\"image\": 7}", "5",
        "image: expected an image (a data: URL, an uploaded file or a URL), got integer 7", "integer");
    assertWrongType("{\"image\": \"\"}", "5",
        "image: expected an image (a data: URL, an uploaded file or a URL), got string \"\"", "string");
    assertWrongType("{\"image\": {\"url\": \"x\"}}", "5",
        "image: expected an image (a data: URL, an uploaded file or a URL), got object", "object");
  }

  @Test
  void longValuesAreShortenedInMessages() throws Exception {
    String big = "x".repeat(500);
    ValidationFailure f = failure(OPTIONAL_ONLY, "{\"steps\": \"" + big + "\"}");
    assertEquals("steps: expected an integer, got string \"" + "x".repeat(79) + "...", f.error().details());
  }

  @Test
  void severalProblemsAreListedTogether() throws Exception {
    ValidationFailure f = failure(SAMPLE, "{\"steps\": 1.5, \"colour\": \"red\"}");
    ValidationError e = f.error();
    assertEquals("invalid_inputs", e.type());
    assertEquals("Run inputs failed validation", e.message());
    assertEquals(String.join("\n",
        "Unknown run input: 'colour' is not an input of this workflow; its inputs are "
            + "[prompt, strength, steps, flip, input_image, negative]",
        "Run input has the wrong type: steps: expected an integer, got number 1.5",
        "Required input is missing: input_image",
        "Required input is missing: negative"), e.details());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> listed = (List<Map<String, Object>>) e.extraInfo().get("errors");
    assertEquals(List.of("unknown_input", "invalid_input_type", "required_input_missing", "required_input_missing"),
        listed.stream().map(m -> m.get("type")).toList());
    assertEquals(List.of("3", "5", "6"), List.copyOf(f.nodeErrors().keySet()));
  }

  @Test
  void sharedInputIdIsCheckedAgainstEveryNodesType() throws Exception {
    String workflow = """
        {"1": {"class_type": "ComfyUIDeployExternalNumber", "inputs": {"input_id": "n", "default_value": 1}},
         "2": {"class_type": "ComfyUIDeployExternalNumberInt", "inputs": {"input_id": "n", "default_value": 1}}}
        """;
    Workflow applied = ExternalInputs.apply(parse(workflow), json("{\"n\": 4}"));
    assertEquals(4, input(applied, "1", "default_value").intValue());
    assertEquals(4, input(applied, "2", "default_value").intValue());

    ValidationFailure f = failure(workflow, "{\"n\": 2.5}");
    assertEquals("invalid_input_type", f.error().type());
    assertEquals(List.of("2"), List.copyOf(f.nodeErrors().keySet()));
  }

  @Test
  void failureRendersInComfyUiShape() throws Exception {
    ValidationFailure f = failure(SAMPLE, "{\"input_image\": \"https://example.com/a.png\"}");
    JsonNode body = f.toJson(MAPPER);
    assertEquals("required_input_missing", body.at("/error/type").asText());
    assertEquals("negative", body.at("/error/extra_info/input_id").asText());
    assertEquals("required_input_missing", body.at("/node_errors/6/errors/0/type").asText());
    assertEquals("ComfyUIDeployExternalText", body.at("/node_errors/6/class_type").asText());
    assertTrue(body.at("/node_errors/6/dependent_outputs").isArray());
  }

  @Test
  void wrappedPromptWorkflowsAreAppliedToo() throws Exception {
    Workflow w = parse("{\"prompt\": " + OPTIONAL_ONLY + "}");
    Workflow applied = ExternalInputs.apply(w, json("{\"steps\": 5}"));
    assertEquals(5, applied.json().at("/3/inputs/default_value").intValue());
  }

  @Test
  void knowsTheExternalInputClasses() {
    for (String type : List.of("ComfyUIDeployExternalText", "ComfyUIDeployExternalNumber",
        "ComfyUIDeployExternalNumberInt", "ComfyUIDeployExternalBoolean", "ComfyUIDeployExternalImage")) {
      assertTrue(ExternalInputs.isExternalInput(type), type);
    }
    assertFalse(ExternalInputs.isExternalInput("ComfyUIDeployExternalLora"));
  }
}
