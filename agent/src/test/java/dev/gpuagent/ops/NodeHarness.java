package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.CancelToken;
import dev.gpuagent.engine.InputResolver;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.OutputSink;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Calls single nodes of the standard registry on the CPU backend, and builds and compares tensors. */
public final class NodeHarness {
  public static final NodeRegistry REGISTRY = NodeRegistry.standard();
  /** Two threads, so tests exercise the parallel paths even for small images. */
  public static final CpuBackend CPU = new CpuBackend(2);

  private NodeHarness() {}

  /** Runs one node; {@code keyValues} alternate input name and value (Tensor, Long, Double, String, Boolean). */
  public static Object[] run(String classType, Object... keyValues) throws Exception {
    return run(classType, OutputSink.discard(), InputResolver.none(), CancelToken.none(), keyValues);
  }

  public static Object[] run(String classType, OutputSink sink, InputResolver inputs, CancelToken cancel,
      Object... keyValues) throws Exception {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      Object v = keyValues[i + 1];
      values.put((String) keyValues[i], v instanceof Integer n ? (Object) (long) n : v);
    }
    var def = REGISTRY.definition(classType).orElseThrow(() -> new AssertionError("no node " + classType));
    RunContext run = new RunContext("test-run", CPU, null, cancel, sink, inputs, null,
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode());
    return def.implementation(BackendKind.CPU).orElseThrow()
        .execute(NodeInvocation.of(def.schema(), values, run));
  }

  /** Runs a node with one output and returns it as a CPU tensor. */
  public static CpuTensor image(String classType, Object... keyValues) throws Exception {
    return CpuTensor.of((Tensor) run(classType, keyValues)[0]);
  }

  public static CpuTensor tensor(int b, int h, int w, int c, float... values) {
    return new CpuTensor(new Shape(b, h, w, c), values);
  }

  public static CpuTensor random(long seed, int b, int h, int w, int c) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[b * h * w * c];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextDouble();
    }
    return new CpuTensor(new Shape(b, h, w, c), data);
  }

  public static CpuTensor filled(int b, int h, int w, int c, float value) {
    float[] data = new float[b * h * w * c];
    java.util.Arrays.fill(data, value);
    return new CpuTensor(new Shape(b, h, w, c), data);
  }

  public static void assertShape(Shape expected, Tensor actual) {
    assertEquals(expected, actual.shape(), "shape");
  }

  /** Element-wise comparison with an absolute tolerance, reporting the first differing index. */
  public static void assertClose(float[] expected, float[] actual, double tolerance) {
    assertEquals(expected.length, actual.length, "length");
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
        fail("element " + i + ": expected " + expected[i] + " but was " + actual[i]
            + " (tolerance " + tolerance + ")");
      }
    }
  }

  public static void assertClose(CpuTensor expected, CpuTensor actual, double tolerance) {
    assertShape(expected.shape(), actual);
    assertClose(expected.data(), actual.data(), tolerance);
  }
}
