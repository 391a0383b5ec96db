package dev.gpuagent.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.cpu.CpuBackend;
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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ExecutorTest {
  /** A tensor that records its own closing, so tests can see when the engine releases it. */
  static final class TrackedTensor implements Tensor {
    final String name;
    volatile int closes;

    TrackedTensor(String name) {
      this.name = name;
    }

    @Override
    public Shape shape() {
      return Shape.image(1, 1, 1, 3);
    }

    @Override
    public void close() {
      closes++;
    }
  }

  private static final CpuBackend CPU = new CpuBackend(1);
  private final List<TrackedTensor> made = Collections.synchronizedList(new ArrayList<>());
  private final List<String> executed = new CopyOnWriteArrayList<>();
  private final List<String> closedWhenStarted = new CopyOnWriteArrayList<>();
  private final NodeRegistry registry = new NodeRegistry();

  ExecutorTest() {
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Source")
        .required(InputSpec.string("name", "s")).output(Types.IMAGE).build(), call -> {
          executed.add(call.nodeId());
          TrackedTensor t = new TrackedTensor(call.string("name"));
          made.add(t);
          return new Object[] {t};
        }));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Pass")
        .required(InputSpec.image("image")).output(Types.IMAGE).build(), call -> {
          executed.add(call.nodeId());
          snapshotClosed();
          TrackedTensor t = new TrackedTensor("pass-" + call.nodeId());
          made.add(t);
          return new Object[] {t};
        }));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Identity")
        .required(InputSpec.image("image")).output(Types.IMAGE).build(), call -> {
          executed.add(call.nodeId());
          return new Object[] {call.tensor("image")};
        }));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Fail")
        .required(InputSpec.image("image")).output(Types.IMAGE).build(), call -> {
          throw new NodeException("cannot do that to a " + call.tensor("image").shape() + " image");
        }));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Crash")
        .required(InputSpec.image("image")).output(Types.IMAGE).build(), call -> {
          throw new IllegalStateException("bug");
        }));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Steps").stepBased()
        .required(InputSpec.image("image"), InputSpec.integer("steps", 4, 1, 100),
            InputSpec.integer("cancel_at", 0, 0, 100))
        .output(Types.IMAGE).build(), call -> {
          executed.add(call.nodeId());
          int steps = call.intValue("steps");
          for (int s = 1; s <= steps; s++) {
            if (s == call.intValue("cancel_at")) {
              tokenToCancel.cancel("user asked");
            }
            call.progress(s, steps);
          }
          return new Object[] {call.tensor("image")};
        }));
    registry.register(NodeDefinition.cpuOnly(NodeSchema.builder("Sink").outputNode()
        .required(InputSpec.image("images")).build(), call -> {
          executed.add(call.nodeId());
          snapshotClosed();
          call.output(List.of(new OutputFile("f.png", "", "output", null)), List.of("done"));
          return new Object[0];
        }));
  }

  private CancelToken tokenToCancel = CancelToken.none();

  private void snapshotClosed() {
    synchronized (made) {
      closedWhenStarted.add(String.join(",", made.stream().filter(t -> t.closes > 0).map(t -> t.name).toList()));
    }
  }

  @AfterAll
  static void shutdown() {
    CPU.close();
  }

  private ExecutionPlan plan(String json) throws Exception {
    var parsed = new WorkflowParser().parse(json);
    return assertInstanceOf(Validation.Valid.class,
        new Validator(registry, WorkflowLimits.DEFAULT).validate(parsed)).plan();
  }

  private RunResult run(ExecutionPlan plan, RunListener listener, CancelToken token) {
    tokenToCancel = token;
    return new Executor(registry).execute(plan, new RunContext("r1", CPU, listener, token, null, null, null,
        plan.workflow().json()));
  }

  private static final String CHAIN = """
      {"1": {"class_type": "Source", "inputs": {"name": "a"}},
       "2": {"class_type": "Pass", "inputs": {"image": ["1", 0]}},
       "3": {"class_type": "Pass", "inputs": {"image": ["2", 0]}},
       "4": {"class_type": "Sink", "inputs": {"images": ["3", 0]}},
       "9": {"class_type": "Source", "inputs": {"name": "unused"}}}""";

  @Test
  void runsUpstreamNodesInOrderAndReportsOutputs() throws Exception {
    List<RunEvent> events = new ArrayList<>();
    RunResult result = run(plan(CHAIN), events::add, CancelToken.none());
    assertEquals(RunStatus.SUCCESS, result.status());
    assertEquals(List.of("1", "2", "3", "4"), executed);
    assertEquals(1, result.outputs().size());
    assertEquals("4", result.outputs().get(0).nodeId());
    assertEquals(List.of("done"), result.outputs().get(0).text());
    assertNull(result.failedNodeId());
    assertInstanceOf(RunEvent.RunStarted.class, events.get(0));
    assertEquals(4, ((RunEvent.RunStarted) events.get(0)).nodeCount());
    RunEvent.RunFinished last = assertInstanceOf(RunEvent.RunFinished.class, events.get(events.size() - 1));
    assertEquals(RunStatus.SUCCESS, last.status());
  }

  @Test
  void liveStatusAndProgressFollowTheNodes() throws Exception {
    List<String> status = new ArrayList<>();
    List<Double> progress = new ArrayList<>();
    run(plan(CHAIN), e -> {
      if (e instanceof RunEvent.LiveStatus s) {
        status.add(s.text());
      } else if (e instanceof RunEvent.Progress p) {
        progress.add(p.value());
      }
    }, CancelToken.none());
    assertEquals(List.of("Executing Source (1/4)", "Executing Pass (2/4)", "Executing Pass (3/4)",
        "Executing Sink (4/4)"), status);
    assertEquals(List.of(0.0, 0.25, 0.5, 0.75, 1.0), progress);
  }

  @Test
  void intermediateTensorsAreClosedAfterTheirLastConsumer() throws Exception {
    RunResult result = run(plan(CHAIN), RunListener.NONE, CancelToken.none());
    assertEquals(RunStatus.SUCCESS, result.status());
    // When node 3 started, node 1's tensor was already released (its only consumer, node 2, had run).
    assertEquals(List.of("", "a"), closedWhenStarted.subList(0, 2));
    // When the sink started, node 2's tensor was gone too, node 3's still live.
    assertEquals("a,pass-2", closedWhenStarted.get(2));
    for (TrackedTensor t : made) {
      assertEquals(1, t.closes, t.name + " closed once");
    }
  }

  @Test
  void aTensorPassedThroughIsClosedOnlyOnce() throws Exception {
    RunResult result = run(plan("""
        {"1": {"class_type": "Source", "inputs": {"name": "a"}},
         "2": {"class_type": "Identity", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "Identity", "inputs": {"image": ["2", 0]}},
         "4": {"class_type": "Sink", "inputs": {"images": ["3", 0]}},
         "5": {"class_type": "Sink", "inputs": {"images": ["1", 0]}}}"""), RunListener.NONE, CancelToken.none());
    assertEquals(RunStatus.SUCCESS, result.status());
    assertEquals(1, made.size());
    assertEquals(1, made.get(0).closes);
  }

  @Test
  void aFailingNodeFailsTheRunWithItsIdClassAndMessage() throws Exception {
    List<RunEvent> events = new ArrayList<>();
    RunResult result = run(plan("""
        {"1": {"class_type": "Source", "inputs": {"name": "a"}},
         "2": {"class_type": "Fail", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "Sink", "inputs": {"images": ["2", 0]}}}"""), events::add, CancelToken.none());
    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("2", result.failedNodeId());
    assertEquals("Fail", result.failedClassType());
    assertEquals("cannot do that to a [1,1,1,3] image", result.message());
    assertTrue(events.contains(new RunEvent.NodeFailed("2", "Fail", "cannot do that to a [1,1,1,3] image")));
    assertEquals(1, made.get(0).closes, "tensors of a failed run are released");
  }

  @Test
  void anUnexpectedExceptionNamesItsType() throws Exception {
    RunResult result = run(plan("""
        {"1": {"class_type": "Source", "inputs": {"name": "a"}},
         "2": {"class_type": "Crash", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "Sink", "inputs": {"images": ["2", 0]}}}"""), RunListener.NONE, CancelToken.none());
    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("IllegalStateException: bug", result.message());
  }

  @Test
  void cancelBeforeANodeStopsThereAndReleasesTensors() throws Exception {
    CancelToken token = CancelToken.none();
    RunResult result = run(plan(CHAIN), e -> {
      if (e instanceof RunEvent.NodeFinished f && f.nodeId().equals("2")) {
        token.cancel("user asked");
      }
    }, token);
    assertEquals(RunStatus.CANCELLED, result.status());
    assertEquals("3", result.failedNodeId());
    assertEquals("user asked", result.message());
    assertEquals(List.of("1", "2"), executed);
    made.forEach(t -> assertEquals(1, t.closes, t.name));
  }

  @Test
  void cancelInsideAStepBasedNodeStopsAtTheNextStep() throws Exception {
    List<Double> progress = new ArrayList<>();
    RunResult result = run(plan("""
        {"1": {"class_type": "Source", "inputs": {"name": "a"}},
         "2": {"class_type": "Steps", "inputs": {"image": ["1", 0], "steps": 10, "cancel_at": 3}},
         "3": {"class_type": "Sink", "inputs": {"images": ["2", 0]}}}"""), e -> {
          if (e instanceof RunEvent.Progress p && p.steps() > 0) {
            progress.add(p.value());
          }
        }, CancelToken.none());
    assertEquals(RunStatus.CANCELLED, result.status());
    assertEquals("2", result.failedNodeId());
    // Steps 1 and 2 reported ((1 + s/10) / 3), step 3 stopped at its checkpoint.
    assertEquals(2, progress.size());
    assertEquals((1 + 0.1) / 3, progress.get(0), 1e-12);
    assertEquals((1 + 0.2) / 3, progress.get(1), 1e-12);
  }

  @Test
  void aPassedDeadlineTimesTheRunOut() throws Exception {
    RunResult result = run(plan(CHAIN), RunListener.NONE, CancelToken.withTimeout(0));
    assertEquals(RunStatus.TIMEOUT, result.status());
    assertEquals("1", result.failedNodeId());
    assertTrue(executed.isEmpty());
  }

  @Test
  void aThrowingListenerDoesNotBreakTheRun() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    RunResult result = run(plan(CHAIN), e -> {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug");
    }, CancelToken.none());
    assertEquals(RunStatus.SUCCESS, result.status());
    assertTrue(calls.get() > 4);
  }

  @Test
  void aNodeWithoutAnImplementationForTheBackendFailsClearly() throws Exception {
    RunResult result = new Executor((type, kind) -> java.util.Optional.empty())
        .execute(plan(CHAIN), new RunContext("r", CPU, null, null, null, null, null, plan(CHAIN).workflow().json()));
    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("node Source has no implementation on the cpu backend", result.message());
  }

  /** A CPU-kind backend that records the executor's node hooks and rewrites failures. */
  private static final class HookedBackend implements Backend {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public BackendKind kind() {
      return BackendKind.CPU;
    }

    @Override
    public String description() {
      return "hooked";
    }

    @Override
    public void beginNode() {
      calls.add("begin");
    }

    @Override
    public void endNode() {
      calls.add("end");
    }

    @Override
    public RuntimeException translateFailure(RuntimeException failure) {
      calls.add("translate " + failure.getClass().getSimpleName());
      return new NodeException("device said: " + failure.getMessage());
    }

    @Override
    public void close() {}
  }

  @Test
  void theBackendIsToldWhereEachNodeBeginsAndEnds() throws Exception {
    HookedBackend backend = new HookedBackend();
    ExecutionPlan plan = plan(CHAIN);
    RunResult result = new Executor(registry).execute(plan,
        new RunContext("r", backend, null, null, null, null, null, plan.workflow().json()));
    assertEquals(RunStatus.SUCCESS, result.status(), result.message());
    assertEquals(List.of("begin", "end", "begin", "end", "begin", "end", "begin", "end"), backend.calls);
  }

  @Test
  void aFailingNodeStillEndsAndTheBackendMayRewordTheFailure() throws Exception {
    HookedBackend backend = new HookedBackend();
    ExecutionPlan plan = plan("""
        {"1": {"class_type": "Source", "inputs": {"name": "a"}},
         "2": {"class_type": "Crash", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "Sink", "inputs": {"images": ["2", 0]}}}""");
    RunResult result = new Executor(registry).execute(plan,
        new RunContext("r", backend, null, null, null, null, null, plan.workflow().json()));
    assertEquals(RunStatus.FAILED, result.status());
    assertEquals("device said: bug", result.message());
    assertEquals(List.of("begin", "end", "begin", "translate IllegalStateException", "end"), backend.calls);
  }
}
