package dev.gpuagent.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.CancelToken;
import dev.gpuagent.engine.InputResolver;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.OutputSink;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.workflow.WorkflowLimits;
import java.util.HashMap;
import java.util.Map;

/** Runs image nodes with a chosen sink, input resolver, limits and workflow JSON. */
final class ImageNodeRuns {
  private ImageNodeRuns() {}

  static Object[] run(String classType, OutputSink sink, InputResolver inputs, WorkflowLimits limits,
      ObjectNode workflow, Object... keyValues) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      Object v = keyValues[i + 1];
      values.put((String) keyValues[i], v instanceof Integer n ? (Object) (long) n : v);
    }
    var def = NodeHarness.REGISTRY.definition(classType).orElseThrow(() -> new AssertionError("no node " + classType));
    RunContext run = new RunContext("test-run", NodeHarness.CPU, null, CancelToken.none(), sink, inputs, limits,
        workflow == null ? new ObjectMapper().createObjectNode() : workflow);
    try {
      return def.implementation(BackendKind.CPU).orElseThrow().execute(NodeInvocation.of(def.schema(), values, run));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Object[] run(String classType, InputResolver inputs, Object... keyValues) {
    return run(classType, OutputSink.discard(), inputs, null, null, keyValues);
  }
}
