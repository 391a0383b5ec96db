package dev.gpuagent.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.workflow.Workflow;
import dev.gpuagent.workflow.WorkflowLimits;
import org.junit.jupiter.api.Test;

class WorkflowsTest {
  private static final String GRAPH = """
      {"1": {"class_type": "ComfyUIDeployExternalNumberInt", "inputs": {"input_id": "size", "default_value": 8}},
       "2": {"class_type": "EmptyImage", "inputs": {"width": ["1", 0], "height": 8, "batch_size": 1, "color": 0}},
       "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "x"}}}
      """;

  private final Workflows workflows = new Workflows(NodeRegistry.standard(), WorkflowLimits.DEFAULT);

  @Test
  void aDeploymentGraphIsParsedOnceAndRunInputsApplyToACopy() throws Exception {
    Workflow first = workflows.parse(GRAPH);
    assertSame(first, workflows.parse(GRAPH), "the same text is parsed once");
    assertNotSame(first, workflows.parse(GRAPH.replace("\"x\"", "\"y\"")), "another text is parsed anew");

    Workflow applied = workflows.withInputs(first, Json.MAPPER.readTree("{\"size\": 16}"));
    assertEquals(16, applied.json().at("/1/inputs/default_value").asInt());
    assertEquals(8, workflows.parse(GRAPH).json().at("/1/inputs/default_value").asInt(),
        "the shared graph is not changed by a run's inputs");
  }
}
