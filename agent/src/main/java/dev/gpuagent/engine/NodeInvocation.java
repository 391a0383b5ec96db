package dev.gpuagent.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.WorkflowLimits;
import java.util.List;
import java.util.Map;

/**
 * One call of a node implementation: its resolved inputs with typed getters (schema defaults fill
 * omitted optional widgets), and the run services it may use (backend, progress, cancel, outputs).
 */
public final class NodeInvocation {
  /** Reports step progress for the running node; implemented by the executor. */
  interface StepReporter {
    void step(int step, int steps);

    void output(NodeOutput output);
  }

  private final String nodeId;
  private final NodeSchema schema;
  private final Map<String, Object> values;
  private final RunContext run;
  private final StepReporter reporter;

  NodeInvocation(String nodeId, NodeSchema schema, Map<String, Object> values, RunContext run,
      StepReporter reporter) {
    this.nodeId = nodeId;
    this.schema = schema;
    this.values = values;
    this.run = run;
    this.reporter = reporter;
  }

  /** For tests and benchmarks that call a node implementation directly. */
  public static NodeInvocation of(NodeSchema schema, Map<String, Object> values, RunContext run) {
    return new NodeInvocation("test", schema, values, run, new StepReporter() {
      @Override
      public void step(int step, int steps) {
        run.cancel().checkpoint();
      }

      @Override
      public void output(NodeOutput output) {}
    });
  }

  public String nodeId() {
    return nodeId;
  }

  public String classType() {
    return schema.classType();
  }

  public Backend backend() {
    return run.backend();
  }

  public WorkflowLimits limits() {
    return run.limits();
  }

  public OutputSink outputs() {
    return run.outputs();
  }

  public InputResolver inputs() {
    return run.inputs();
  }

  public ObjectNode workflowJson() {
    return run.workflowJson();
  }

  public boolean has(String name) {
    return values.get(name) != null;
  }

  public Tensor tensor(String name) {
    Object value = require(name);
    if (value instanceof Tensor t) {
      return t;
    }
    throw new NodeException("input '" + name + "' must be an image or mask, got " + describe(value));
  }

  /** An optional tensor input (an unconnected optional mask, say), or null. */
  public Tensor optionalTensor(String name) {
    return has(name) ? tensor(name) : null;
  }

  public long integer(String name) {
    Object value = require(name);
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Integer i) {
      return i;
    }
    throw new NodeException("input '" + name + "' must be an integer, got " + describe(value));
  }

  /** An INT input that must fit in an int (sizes, radii, counts). */
  public int intValue(String name) {
    long v = integer(name);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new NodeException("input '" + name + "' is out of range: " + v);
    }
    return (int) v;
  }

  public double number(String name) {
    Object value = require(name);
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    throw new NodeException("input '" + name + "' must be a number, got " + describe(value));
  }

  public String string(String name) {
    Object value = require(name);
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Tensor) {
      throw new NodeException("input '" + name + "' must be text, got " + describe(value));
    }
    return String.valueOf(value);
  }

  public boolean bool(String name) {
    Object value = require(name);
    if (value instanceof Boolean b) {
      return b;
    }
    throw new NodeException("input '" + name + "' must be true or false, got " + describe(value));
  }

  /** A combo value, checked against the options (a linked STRING may feed a combo). */
  public String choice(String name) {
    String value = string(name);
    List<String> options = schema.input(name).map(InputSpec::options).orElse(null);
    if (options != null && !options.contains(value)) {
      throw new NodeException("input '" + name + "': '" + value + "' not in " + options);
    }
    return value;
  }

  /** Fails the node with a clear message when an image it is about to make breaks the limits. */
  public void checkImageSize(int batch, int height, int width) {
    String problem = run.limits().checkImage(batch, height, width);
    if (problem != null) {
      throw new NodeException(problem);
    }
  }

  /** Reports step {@code step} of {@code steps} (1-based) and stops the node if the run must stop. */
  public void progress(int step, int steps) {
    reporter.step(step, steps);
  }

  /** Stops the node if the run was cancelled or timed out; for long loops without steps. */
  public void checkpoint() {
    run.cancel().checkpoint();
  }

  /** Hands files or text from an output node to the run's result. */
  public void output(List<OutputFile> images, List<String> text) {
    reporter.output(new NodeOutput(nodeId, schema.classType(), images, text));
  }

  private Object require(String name) {
    Object value = values.get(name);
    if (value != null) {
      return value;
    }
    Object def = schema.input(name).map(InputSpec::defaultValue).orElse(null);
    if (def == null) {
      throw new NodeException("input '" + name + "' is missing");
    }
    return def instanceof Integer i ? (Object) (long) i : def;
  }

  private static String describe(Object value) {
    return value instanceof Tensor t ? "a tensor " + t.shape() : value.getClass().getSimpleName() + " " + value;
  }
}
