package dev.gpuagent.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.Executor;
import dev.gpuagent.engine.NodeImpl;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.engine.RunStatus;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.ops.NodeDefinition;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.workflow.ExecutionPlan;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;
import dev.gpuagent.workflow.Validation;
import dev.gpuagent.workflow.Validator;
import dev.gpuagent.workflow.WorkflowLimits;
import dev.gpuagent.workflow.WorkflowParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code gpu-agent bench engine}: the engine's own cost per node on a 1,000-node chain of trivial
 * nodes, and the CPU backend's throughput on the node library's heavy operations.
 */
public final class EngineBench {
  /** One operation to time: a node class with its arguments, on an image of the given side. */
  public record OpCase(String label, String classType, int side, Object... args) {}

  private final CpuBackend cpu;
  private final NodeRegistry library;
  private final int chainLength;

  public EngineBench(CpuBackend cpu, NodeRegistry library, int chainLength) {
    this.cpu = cpu;
    this.library = library;
    this.chainLength = chainLength;
  }

  /** Runs the chain benchmark; returns the mean engine overhead per node in microseconds. */
  public double chainOverhead(BenchReport report, int runs) throws Exception {
    NodeRegistry trivial = trivialRegistry();
    ExecutionPlan plan = plan(trivial, chainJson("Noop", "NoopSink"));
    Executor executor = new Executor(trivial);
    long[] nanos = time(executor, plan, runs);
    double perNodeUs = mean(nanos) / 1e3 / plan.size();
    report.row("case", "engine: " + plan.size() + "-node chain of no-op nodes", "runs", runs,
        "mean_ms", mean(nanos) / 1e6, "p50_ms", percentile(nanos, 50) / 1e6,
        "p99_ms", percentile(nanos, 99) / 1e6, "us_per_node", perNodeUs, "target_us", 20.0);

    ExecutionPlan inverts = plan(library, chainJson("ImageInvert", "PreviewImage"));
    long[] real = time(new Executor(library), inverts, Math.max(10, runs / 2));
    report.row("case", "engine: " + inverts.size() + "-node chain of ImageInvert on 1x1",
        "runs", real.length, "mean_ms", mean(real) / 1e6, "p50_ms", percentile(real, 50) / 1e6,
        "p99_ms", percentile(real, 99) / 1e6, "us_per_node", mean(real) / 1e3 / inverts.size(),
        "target_us", 20.0);
    return perNodeUs;
  }

  /** Times each op; the result maps a label to megapixels per second. */
  public Map<String, Double> ops(BenchReport report, List<OpCase> cases, double secondsPerCase) throws Exception {
    Map<String, Double> result = new java.util.LinkedHashMap<>();
    Map<Integer, CpuTensor> images = new HashMap<>();
    for (OpCase op : cases) {
      CpuTensor image = images.computeIfAbsent(op.side(), side -> randomImage(side, 3, 42 + side));
      NodeDefinition def = library.definition(op.classType()).orElseThrow(
          () -> new IllegalArgumentException("no node " + op.classType()));
      NodeImpl impl = def.implementation(BackendKind.CPU).orElseThrow();
      Map<String, Object> values = new HashMap<>();
      for (int i = 0; i < op.args().length; i += 2) {
        Object v = op.args()[i + 1];
        values.put((String) op.args()[i], "$image".equals(v) ? image : v instanceof Integer n ? (Object) (long) n : v);
      }
      RunContext run = new RunContext("bench", cpu, null, null, null, null,
          new WorkflowLimits(8L << 20, 64, 10_000, 16_384, 256L << 20, 64), new ObjectMapper().createObjectNode());
      NodeInvocation call = NodeInvocation.of(def.schema(), values, run);
      closeTensors(impl.execute(call)); // warm-up: JIT and caches
      List<Long> samples = new ArrayList<>();
      long deadline = System.nanoTime() + (long) (secondsPerCase * 1e9);
      do {
        long t0 = System.nanoTime();
        // Closed as the engine closes an intermediate after its last consumer, so the output's
        // array goes back to the host pool; part of the timed work.
        closeTensors(impl.execute(call));
        samples.add(System.nanoTime() - t0);
      } while (System.nanoTime() < deadline && samples.size() < 200);
      long[] nanos = samples.stream().mapToLong(Long::longValue).toArray();
      double megapixels = (double) op.side() * op.side() / 1e6;
      double mps = megapixels / (percentile(nanos, 50) / 1e9);
      result.put(op.label(), mps);
      report.row("case", op.label(), "runs", nanos.length, "p50_ms", percentile(nanos, 50) / 1e6,
          "mpix_per_s", mps);
    }
    return result;
  }

  private static void closeTensors(Object[] outputs) {
    for (Object value : outputs) {
      if (value instanceof dev.gpuagent.engine.Tensor t) {
        t.close();
      }
    }
  }

  /** The op list of issue 2: each at 1024 and 4096 square, RGB. */
  public static List<OpCase> standardOps(int... sides) {
    List<OpCase> cases = new ArrayList<>();
    for (int side : sides) {
      String s = side + "x" + side;
      for (int r : new int[] {1, 10, 31}) {
        cases.add(new OpCase("ImageBlur r" + r + " " + s, "ImageBlur", side, "image", "$image",
            "blur_radius", r, "sigma", 1.0));
      }
      cases.add(new OpCase("ImageSharpen r1 " + s, "ImageSharpen", side, "image", "$image",
          "sharpen_radius", 1, "sigma", 1.0, "alpha", 1.0));
      cases.add(new OpCase("ImageBlend overlay " + s, "ImageBlend", side, "image1", "$image",
          "image2", "$image", "blend_factor", 0.5, "blend_mode", "overlay"));
      for (String method : new String[] {"nearest-exact", "bilinear", "area", "bicubic"}) {
        cases.add(new OpCase("ImageScale " + method + " 2x up " + s, "ImageScaleBy", side,
            "image", "$image", "upscale_method", method, "scale_by", 2.0));
        cases.add(new OpCase("ImageScale " + method + " 2x down " + s, "ImageScaleBy", side,
            "image", "$image", "upscale_method", method, "scale_by", 0.5));
      }
      cases.add(new OpCase("ImageInvert " + s, "ImageInvert", side, "image", "$image"));
    }
    return cases;
  }

  private long[] time(Executor executor, ExecutionPlan plan, int runs) {
    for (int i = 0; i < Math.max(20, runs / 5); i++) {
      check(executor.execute(plan, context(plan)).status());
    }
    long[] nanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      RunContext context = context(plan);
      long t0 = System.nanoTime();
      RunStatus status = executor.execute(plan, context).status();
      nanos[i] = System.nanoTime() - t0;
      check(status);
    }
    return nanos;
  }

  private RunContext context(ExecutionPlan plan) {
    return new RunContext("bench", cpu, null, null, null, null, null, plan.workflow().json());
  }

  private static void check(RunStatus status) {
    if (status != RunStatus.SUCCESS) {
      throw new IllegalStateException("benchmark run ended " + status);
    }
  }

  private String chainJson(String nodeType, String sinkType) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ObjectNode first = root.putObject("0");
    first.put("class_type", "EmptyImage");
    first.putObject("inputs").put("width", 1).put("height", 1).put("batch_size", 1).put("color", 0);
    for (int i = 1; i < chainLength - 1; i++) {
      ObjectNode node = root.putObject(Integer.toString(i));
      node.put("class_type", nodeType);
      node.putObject("inputs").putArray("image").add(Integer.toString(i - 1)).add(0);
    }
    ObjectNode sink = root.putObject(Integer.toString(chainLength - 1));
    sink.put("class_type", sinkType);
    sink.putObject("inputs").putArray("images").add(Integer.toString(chainLength - 2)).add(0);
    return root.toString();
  }

  private static ExecutionPlan plan(NodeRegistry registry, String json) throws Exception {
    Validation validation = new Validator(registry, WorkflowLimits.DEFAULT).validate(new WorkflowParser().parse(json));
    if (validation instanceof Validation.Invalid invalid) {
      throw new IllegalStateException(invalid.failure().summary());
    }
    return ((Validation.Valid) validation).plan();
  }

  /** No-op nodes: the chain then measures only the engine's bookkeeping. */
  private static NodeRegistry trivialRegistry() {
    CpuTensor pixel = new CpuTensor(Shape.image(1, 1, 1, 3), new float[3]);
    NodeRegistry registry = new NodeRegistry();
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("EmptyImage")
        .required(InputSpec.integer("width", 1, 1, 16384), InputSpec.integer("height", 1, 1, 16384),
            InputSpec.integer("batch_size", 1, 1, 4096), InputSpec.integer("color", 0, 0, 0xFFFFFF))
        .output(Types.IMAGE).build(), call -> new Object[] {pixel}));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Noop")
        .required(InputSpec.image("image")).output(Types.IMAGE).build(),
        call -> new Object[] {call.tensor("image")}));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("NoopSink").outputNode()
        .required(InputSpec.image("images")).build(), call -> new Object[0]));
    return registry;
  }

  private static CpuTensor randomImage(int side, int channels, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] data = new float[side * side * channels];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextDouble();
    }
    return new CpuTensor(Shape.image(1, side, side, channels), data);
  }

  static double mean(long[] values) {
    return Arrays.stream(values).average().orElse(0);
  }

  static double percentile(long[] values, double p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
