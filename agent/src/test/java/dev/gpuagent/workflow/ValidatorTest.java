package dev.gpuagent.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValidatorTest {
  private final WorkflowParser parser = new WorkflowParser();
  private final Validator validator = new Validator(TestSchemas.INSTANCE, WorkflowLimits.DEFAULT);

  private Validation validate(String json) throws Exception {
    return validator.validate(parser.parse(json));
  }

  private ValidationFailure invalid(String json) throws Exception {
    return assertInstanceOf(Validation.Invalid.class, validate(json)).failure();
  }

  private ExecutionPlan valid(String json) throws Exception {
    return assertInstanceOf(Validation.Valid.class, validate(json)).plan();
  }

  @Test
  void planHoldsOnlyNodesUpstreamOfOutputsInDependencyOrder() throws Exception {
    ExecutionPlan plan = valid("""
        {"9": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}},
         "2": {"class_type": "Blur", "inputs": {"image": ["1", 0], "blur_radius": 2, "sigma": 1.5}},
         "1": {"class_type": "Empty", "inputs": {"width": 8, "height": 8}},
         "5": {"class_type": "Empty", "inputs": {"width": 4, "height": 4}}}""");
    assertEquals(List.of("1", "2", "9"), plan.nodes().stream().map(PlannedNode::id).toList());
    assertEquals(List.of("9"), plan.outputNodeIds());
    PlannedNode blur = plan.nodes().get(1);
    assertEquals(2L, blur.literals().get("blur_radius"));
    assertEquals(1.5, blur.literals().get("sigma"));
    assertEquals(new InputValue.Link("1", 0), blur.links().get("image"));
  }

  @Test
  void literalsAreConvertedAsComfyUIConvertsThem() throws Exception {
    ExecutionPlan plan = valid("""
        {"1": {"class_type": "Empty", "inputs": {"width": "16", "height": 7.9}},
         "2": {"class_type": "Save", "inputs": {"images": ["1", 0], "filename_prefix": 12}}}""");
    assertEquals(Map.of("width", 16L, "height", 7L), plan.nodes().get(0).literals());
    assertEquals("12", plan.nodes().get(1).literals().get("filename_prefix"));
  }

  @Test
  void unknownClassTypeIsMissingNodeType() throws Exception {
    ValidationFailure f = invalid("{\"3\": {\"class_type\": \"KSamplerX\", \"inputs\": {}, \"_meta\": {\"title\": \"Sampler\"}}}");
    assertEquals("missing_node_type", f.error().type());
    assertEquals("Cannot execute because node KSamplerX does not exist.", f.error().message());
    assertEquals("Node ID '#3'", f.error().details());
    assertEquals(Map.of("node_id", "3", "class_type", "KSamplerX", "node_title", "Sampler"), f.error().extraInfo());
  }

  @Test
  void noOutputNodeIsPromptNoOutputs() throws Exception {
    ValidationFailure f = invalid("{\"1\": {\"class_type\": \"Empty\", \"inputs\": {\"width\": 8, \"height\": 8}}}");
    assertEquals("prompt_no_outputs", f.error().type());
    assertEquals("Prompt has no outputs", f.error().message());
    assertTrue(f.nodeErrors().isEmpty());
  }

  @Test
  void missingRequiredInputIsReportedOnTheNodeWithItsDependentOutput() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Empty", "inputs": {"width": 8}},
         "2": {"class_type": "Save", "inputs": {"images": ["1", 0], "filename_prefix": "p"}}}""");
    assertEquals("prompt_outputs_failed_validation", f.error().type());
    assertEquals("Prompt outputs failed validation", f.error().message());
    assertEquals("Save:\n- Required input is missing: height", f.error().details());
    NodeErrors node = f.nodeErrors().get("1");
    assertEquals("Empty", node.classType());
    assertEquals(List.of("2"), node.dependentOutputs());
    ValidationError e = node.errors().get(0);
    assertEquals("required_input_missing", e.type());
    assertEquals("height", e.details());
    assertEquals(Map.of("input_name", "height"), e.extraInfo());
    assertEquals(List.of("1"), List.copyOf(f.nodeErrors().keySet()));
  }

  @Test
  void valueBoundsAndListsUseComfyUIMessages() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Empty", "inputs": {"width": 0, "height": 99999}},
         "2": {"class_type": "Scale", "inputs": {"image": ["1", 0], "method": "lanczos9", "enabled": true}},
         "3": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}}}""");
    List<ValidationError> empty = f.nodeErrors().get("1").errors();
    assertEquals("value_smaller_than_min", empty.get(0).type());
    assertEquals("Value 0 smaller than min of 1", empty.get(0).message());
    assertEquals("width", empty.get(0).details());
    assertEquals("value_bigger_than_max", empty.get(1).type());
    assertEquals("Value 99999 bigger than max of 16384", empty.get(1).message());
    ValidationError combo = f.nodeErrors().get("2").errors().get(0);
    assertEquals("value_not_in_list", combo.type());
    assertEquals("Value not in list", combo.message());
    assertEquals("method: 'lanczos9' not in [nearest-exact, bilinear]", combo.details());
    assertEquals(List.of("3"), f.nodeErrors().get("2").dependentOutputs());
  }

  @Test
  void unconvertibleLiteralIsInvalidInputType() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Empty", "inputs": {"width": "wide", "height": 8}},
         "2": {"class_type": "Scale", "inputs": {"image": ["1", 0], "method": "bilinear", "enabled": "maybe"}},
         "3": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}}}""");
    ValidationError width = f.nodeErrors().get("1").errors().get(0);
    assertEquals("invalid_input_type", width.type());
    assertEquals("Failed to convert an input value to a INT value", width.message());
    assertTrue(width.details().startsWith("width, \"wide\", invalid literal for int()"), width.details());
    assertEquals("invalid_input_type", f.nodeErrors().get("2").errors().get(0).type());
  }

  @Test
  void linkTypeMismatchIsReturnTypeMismatch() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Empty", "inputs": {"width": 8, "height": 8}},
         "2": {"class_type": "ToMask", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}}}""");
    ValidationError e = f.nodeErrors().get("3").errors().get(0);
    assertEquals("return_type_mismatch", e.type());
    assertEquals("Return type mismatch between linked nodes", e.message());
    assertEquals("images, received_type(MASK) mismatch input_type(IMAGE)", e.details());
    assertEquals("MASK", e.extraInfo().get("received_type"));
    assertEquals(List.of("2", 0), e.extraInfo().get("linked_node"));
  }

  @Test
  void danglingLinksAndBadArraysAreBadLinkedInput() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Empty", "inputs": {"width": 8, "height": 8}},
         "2": {"class_type": "Blur", "inputs": {"image": ["77", 0], "blur_radius": 1, "sigma": 1}},
         "3": {"class_type": "Blur", "inputs": {"image": ["1", 4], "blur_radius": 1, "sigma": 1}},
         "4": {"class_type": "Blur", "inputs": {"image": ["1", 0, 0], "blur_radius": 1, "sigma": 1}},
         "5": {"class_type": "Blur", "inputs": {"image": "not a link", "blur_radius": 1, "sigma": 1}},
         "6": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}},
         "7": {"class_type": "Save", "inputs": {"images": ["3", 0], "filename_prefix": "p"}},
         "8": {"class_type": "Save", "inputs": {"images": ["4", 0], "filename_prefix": "p"}},
         "9": {"class_type": "Save", "inputs": {"images": ["5", 0], "filename_prefix": "p"}}}""");
    for (String id : List.of("2", "3", "4", "5")) {
      assertEquals("bad_linked_input", f.nodeErrors().get(id).errors().get(0).type(), "node " + id);
    }
    assertEquals("Bad linked input, linked node does not exist", f.nodeErrors().get("2").errors().get(0).message());
    assertEquals("Bad linked input, must be a length-2 list of [node_id, slot_index]",
        f.nodeErrors().get("4").errors().get(0).message());
  }

  @Test
  void cycleIsReportedWithItsNodes() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Blur", "inputs": {"image": ["2", 0], "blur_radius": 1, "sigma": 1}},
         "2": {"class_type": "Blur", "inputs": {"image": ["1", 0], "blur_radius": 1, "sigma": 1}},
         "3": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}}}""");
    assertEquals("dependency_cycle", f.error().type());
    assertEquals(java.util.Set.of("1", "2"), f.nodeErrors().keySet());
    assertEquals(List.of("2", "1"), f.error().extraInfo().get("cycle"));
  }

  @Test
  void selfLoopIsACycle() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Blur", "inputs": {"image": ["1", 0], "blur_radius": 1, "sigma": 1}},
         "3": {"class_type": "Save", "inputs": {"images": ["1", 0], "filename_prefix": "p"}}}""");
    assertEquals("dependency_cycle", f.error().type());
    assertEquals(List.of("1"), f.error().extraInfo().get("cycle"));
  }

  @Test
  void imageLimitsAreCheckedBeforeRunning() throws Exception {
    Validator strict = new Validator(TestSchemas.INSTANCE, new WorkflowLimits(1 << 20, 32, 100, 4096, 1 << 20, 4));
    var result = strict.validate(parser.parse("""
        {"1": {"class_type": "Empty", "inputs": {"width": 2048, "height": 1024, "batch_size": 1}},
         "2": {"class_type": "Save", "inputs": {"images": ["1", 0], "filename_prefix": "p"}}}"""));
    ValidationError e = assertInstanceOf(Validation.Invalid.class, result).failure().nodeErrors().get("1").errors().get(0);
    assertEquals("image_too_large", e.type());
    assertEquals("image size 2048x1024 is 2097152 pixels, over the limit of 1048576", e.details());
  }

  @Test
  void sizesOfNodesThatTransformAnInputAreNotCheckedStatically() throws Exception {
    Validator strict = new Validator(name -> java.util.Optional.ofNullable(switch (name) {
      case "Crop" -> NodeSchema.builder("Crop").required(InputSpec.image("image"),
          InputSpec.integer("width", 512, 1, 16384), InputSpec.integer("height", 512, 1, 16384))
          .output(Types.IMAGE).build();
      default -> TestSchemas.INSTANCE.schema(name).orElse(null);
    }), new WorkflowLimits(1 << 20, 32, 100, 4096, 1 << 20, 4));
    var result = strict.validate(parser.parse("""
        {"1": {"class_type": "Empty", "inputs": {"width": 8, "height": 8}},
         "2": {"class_type": "Crop", "inputs": {"image": ["1", 0], "width": 16384, "height": 16384}},
         "3": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}}}"""));
    assertInstanceOf(Validation.Valid.class, result);
  }

  @Test
  void longChainsDoNotOverflowTheStack() throws Exception {
    StringBuilder json = new StringBuilder("{\"0\": {\"class_type\": \"Empty\", \"inputs\": {\"width\": 1, \"height\": 1}}");
    for (int i = 1; i < 9000; i++) {
      json.append(",\"").append(i).append("\": {\"class_type\": \"Blur\", \"inputs\": {\"image\": [\"")
          .append(i - 1).append("\", 0], \"blur_radius\": 1, \"sigma\": 1}}");
    }
    json.append(",\"out\": {\"class_type\": \"Save\", \"inputs\": {\"images\": [\"8999\", 0], \"filename_prefix\": \"p\"}}}");
    assertEquals(9001, valid(json.toString()).size());
  }

  @Test
  void failureSerialisesInComfyUIShape() throws Exception {
    ValidationFailure f = invalid("""
        {"1": {"class_type": "Empty", "inputs": {"width": 8}},
         "2": {"class_type": "Save", "inputs": {"images": ["1", 0], "filename_prefix": "p"}}}""");
    ObjectMapper mapper = new ObjectMapper();
    String json = mapper.writeValueAsString(f.toJson(mapper));
    assertEquals("{\"error\":{\"type\":\"prompt_outputs_failed_validation\",\"message\":\"Prompt outputs failed validation\","
        + "\"details\":\"Save:\\n- Required input is missing: height\",\"extra_info\":{}},"
        + "\"node_errors\":{\"1\":{\"errors\":[{\"type\":\"required_input_missing\",\"message\":\"Required input is missing\","
        + "\"details\":\"height\",\"extra_info\":{\"input_name\":\"height\"}}],\"dependent_outputs\":[\"2\"],\"class_type\":\"Empty\"}}}",
        json);
  }

  @Test
  void undeclaredInputsAreIgnoredAsInComfyUI() throws Exception {
    valid("""
        {"1": {"class_type": "Empty", "inputs": {"width": 8, "height": 8, "ui_only": [1, 2, 3]}},
         "2": {"class_type": "Save", "inputs": {"images": ["1", 0], "filename_prefix": "p"}}}""");
  }

  @Test
  void stringLinksMayFeedCombos() throws Exception {
    valid("""
        {"1": {"class_type": "Empty", "inputs": {"width": 8, "height": 8}},
         "t": {"class_type": "Text", "inputs": {"value": "bilinear"}},
         "2": {"class_type": "Scale", "inputs": {"image": ["1", 0], "method": ["t", 0], "enabled": 1}},
         "3": {"class_type": "Save", "inputs": {"images": ["2", 0], "filename_prefix": "p"}}}""");
  }
}
