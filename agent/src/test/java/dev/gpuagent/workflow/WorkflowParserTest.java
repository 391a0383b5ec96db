package dev.gpuagent.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WorkflowParserTest {
  private final WorkflowParser parser = new WorkflowParser();

  @Test
  void parsesLinksAndLiterals() throws Exception {
    Workflow wf = parser.parse("""
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 4}},
         "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"},
               "_meta": {"title": "Save it"}}}""");
    assertEquals(2, wf.nodes().size());
    WorkflowNode save = wf.nodes().get("2");
    assertEquals("Save it", save.displayName());
    assertEquals(new InputValue.Link("1", 0), save.inputs().get("images"));
    assertInstanceOf(InputValue.Literal.class, save.inputs().get("filename_prefix"));
  }

  @Test
  void acceptsThePromptWrapper() throws Exception {
    Workflow wf = parser.parse("{\"prompt\": {\"7\": {\"class_type\": \"X\", \"inputs\": {}}}, \"client_id\": \"c\"}");
    assertEquals(java.util.Set.of("7"), wf.nodes().keySet());
  }

  @Test
  void numericSourceIdsAreLinksToo() throws Exception {
    Workflow wf = parser.parse("{\"1\": {\"class_type\": \"X\", \"inputs\": {\"a\": [3, 1]}}}");
    assertEquals(new InputValue.Link("3", 1), wf.nodes().get("1").inputs().get("a"));
  }

  @Test
  void malformedJsonIsInvalidPrompt() {
    var e = assertThrows(WorkflowParseException.class, () -> parser.parse("{\"1\": "));
    assertEquals("invalid_prompt", e.failure().error().type());
  }

  @Test
  void missingClassTypeNamesTheNode() {
    var e = assertThrows(WorkflowParseException.class, () -> parser.parse("{\"5\": {\"inputs\": {}}}"));
    assertEquals("invalid_prompt", e.failure().error().type());
    assertEquals("Cannot execute because a node is missing the class_type property.", e.failure().error().message());
    assertEquals("Node ID '#5'", e.failure().error().details());
  }

  @Test
  void rootMustBeAnObject() {
    var e = assertThrows(WorkflowParseException.class, () -> parser.parse("[1,2]"));
    assertEquals("invalid_prompt", e.failure().error().type());
  }

  @Test
  void limitsAreEnforced() {
    WorkflowParser small = new WorkflowParser(new WorkflowLimits(200, 5, 2, 64, 4096, 2));
    assertEquals("limit_exceeded", assertThrows(WorkflowParseException.class,
        () -> small.parse("{\"1\":{\"class_type\":\"A\"},\"2\":{\"class_type\":\"A\"},\"3\":{\"class_type\":\"A\"}}"))
        .failure().error().type());
    assertEquals("limit_exceeded", assertThrows(WorkflowParseException.class,
        () -> small.parse("{\"1\":{\"class_type\":\"A\",\"inputs\":{\"x\":[[[[[[1]]]]]]}}}"))
        .failure().error().type());
    assertEquals("limit_exceeded", assertThrows(WorkflowParseException.class,
        () -> small.parse("{\"1\":{\"class_type\":\"" + "A".repeat(300) + "\"}}"))
        .failure().error().type());
  }

  @Test
  void duplicateKeysAreRejected() {
    var e = assertThrows(WorkflowParseException.class,
        () -> parser.parse("{\"1\":{\"class_type\":\"A\"},\"1\":{\"class_type\":\"B\"}}"));
    assertEquals("invalid_prompt", e.failure().error().type());
  }
}
