package dev.gpuagent.engine;

import dev.gpuagent.workflow.ExecutionPlan;
import dev.gpuagent.workflow.InputValue;
import dev.gpuagent.workflow.PlannedNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs an execution plan node by node on one backend. Each node's outputs are kept only until their
 * last consumer has run, then their tensors are closed, so memory follows the graph's live frontier
 * rather than its size. Stateless and thread-safe: one executor serves every slot.
 */
public final class Executor {
  private static final Logger log = LoggerFactory.getLogger(Executor.class);

  private final NodeCatalog catalog;

  public Executor(NodeCatalog catalog) {
    this.catalog = catalog;
  }

  public RunResult execute(ExecutionPlan plan, RunContext run) {
    return new Execution(plan, run).run();
  }

  /** The state of one run; lives on the executing thread only. */
  private final class Execution implements NodeInvocation.StepReporter {
    private final ExecutionPlan plan;
    private final RunContext run;
    private final int total;
    private final Object[][] values;
    private final int[] consumersLeft;
    private final int[][][] sources; // per node, per input: {source index, output index}
    private final String[][] inputNames;
    private final IdentityHashMap<Tensor, Integer> liveTensors = new IdentityHashMap<>();
    private final List<NodeOutput> outputs = new ArrayList<>();
    private int current = -1;

    Execution(ExecutionPlan plan, RunContext run) {
      this.plan = plan;
      this.run = run;
      this.total = plan.size();
      this.values = new Object[total][];
      this.consumersLeft = new int[total];
      this.sources = new int[total][][];
      this.inputNames = new String[total][];
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < total; i++) {
        index.put(plan.nodes().get(i).id(), i);
      }
      for (int i = 0; i < total; i++) {
        Map<String, InputValue.Link> links = plan.nodes().get(i).links();
        sources[i] = new int[links.size()][];
        inputNames[i] = new String[links.size()];
        int k = 0;
        for (Map.Entry<String, InputValue.Link> link : links.entrySet()) {
          int src = index.get(link.getValue().sourceNodeId());
          sources[i][k] = new int[] {src, link.getValue().outputIndex()};
          inputNames[i][k] = link.getKey();
          consumersLeft[src]++;
          k++;
        }
      }
    }

    RunResult run() {
      long start = System.nanoTime();
      MDC.put("run_id", run.runId());
      emit(new RunEvent.RunStarted(run.runId(), total));
      try {
        for (int i = 0; i < total; i++) {
          current = i;
          run.cancel().checkpoint();
          executeNode(i);
        }
        current = -1;
        emit(new RunEvent.Progress(1.0, null, 0, 0));
        return finish(RunStatus.SUCCESS, null, FailureKind.NONE, start);
      } catch (RunStoppedException stopped) {
        return finish(stopped.status(), stopped.getMessage(), FailureKind.NONE, start);
      } catch (Exception | OutOfMemoryError | StackOverflowError failure) {
        PlannedNode node = current >= 0 ? plan.nodes().get(current) : null;
        String message = message(failure);
        if (!(failure instanceof NodeException)) {
          log.warn("node {} ({}) failed", node == null ? "-" : node.id(),
              node == null ? "-" : node.classType(), failure);
        }
        if (node != null) {
          emit(new RunEvent.NodeFailed(node.id(), node.classType(), message));
        }
        return finish(RunStatus.FAILED, message, FailureKind.of(failure), start);
      } finally {
        releaseAll();
        MDC.remove("node_id");
        MDC.remove("run_id");
      }
    }

    private void executeNode(int i) throws Exception {
      PlannedNode node = plan.nodes().get(i);
      MDC.put("node_id", node.id());
      NodeImpl impl = catalog.implementation(node.classType(), run.backend().kind())
          .orElseThrow(() -> new NodeException("node " + node.classType()
              + " has no implementation on the " + run.backend().kind().name().toLowerCase() + " backend"));
      emit(new RunEvent.NodeStarted(node.id(), node.classType(), i, total));
      emit(new RunEvent.LiveStatus("Executing " + node.node().displayName() + " (" + (i + 1) + "/" + total + ")"));
      emit(new RunEvent.Progress((double) i / total, node.id(), 0, 0));

      Map<String, Object> inputs = new HashMap<>(node.literals());
      for (int k = 0; k < sources[i].length; k++) {
        int[] src = sources[i][k];
        inputs.put(inputNames[i][k], values[src[0]][src[1]]);
      }
      long t0 = System.nanoTime();
      Backend backend = run.backend();
      Object[] result;
      backend.beginNode();
      try {
        result = impl.execute(new NodeInvocation(node.id(), node.schema(), inputs, run, this));
      } catch (RunStoppedException stopped) {
        throw stopped;
      } catch (RuntimeException failure) {
        throw backend.translateFailure(failure);
      } finally {
        backend.endNode();
      }
      long elapsed = System.nanoTime() - t0;
      int declared = node.schema().outputTypes().size();
      if (result == null || result.length != declared) {
        closeUnowned(result);
        throw new IllegalStateException(node.classType() + " returned "
            + (result == null ? "nothing" : result.length + " values") + ", declared " + declared);
      }
      values[i] = result;
      for (Object value : result) {
        if (value instanceof Tensor t) {
          liveTensors.merge(t, 1, Integer::sum);
        }
      }
      emit(new RunEvent.NodeFinished(node.id(), node.classType(), elapsed));
      for (int[] src : sources[i]) {
        if (--consumersLeft[src[0]] == 0) {
          release(src[0]);
        }
      }
      if (consumersLeft[i] == 0) {
        release(i);
      }
      MDC.remove("node_id");
    }

    @Override
    public void step(int step, int steps) {
      run.cancel().checkpoint();
      if (current >= 0 && steps > 0) {
        double fraction = Math.min(1.0, Math.max(0.0, (double) step / steps));
        emit(new RunEvent.Progress((current + fraction) / total, plan.nodes().get(current).id(), step, steps));
      }
    }

    @Override
    public void output(NodeOutput output) {
      outputs.add(output);
      emit(new RunEvent.OutputProduced(output));
    }

    private RunResult finish(RunStatus status, String message, FailureKind kind, long start) {
      PlannedNode node = status == RunStatus.SUCCESS || current < 0 ? null : plan.nodes().get(current);
      long duration = System.nanoTime() - start;
      String nodeId = node == null ? null : node.id();
      String classType = node == null ? null : node.classType();
      emit(new RunEvent.RunFinished(status, nodeId, classType, message, duration));
      return new RunResult(status, outputs, nodeId, classType, message, duration, kind);
    }

    private void release(int i) {
      Object[] held = values[i];
      values[i] = null;
      if (held == null) {
        return;
      }
      for (Object value : held) {
        if (value instanceof Tensor t) {
          int refs = liveTensors.merge(t, -1, Integer::sum);
          if (refs <= 0) {
            liveTensors.remove(t);
            t.close();
          }
        }
      }
    }

    private void releaseAll() {
      for (int i = 0; i < total; i++) {
        values[i] = null;
      }
      liveTensors.keySet().forEach(Tensor::close);
      liveTensors.clear();
    }

    /** A malformed result may hold fresh tensors no one else owns; close those not already live. */
    private void closeUnowned(Object[] result) {
      if (result == null) {
        return;
      }
      for (Object value : result) {
        if (value instanceof Tensor t && !liveTensors.containsKey(t)) {
          t.close();
        }
      }
    }

    private void emit(RunEvent event) {
      try {
        run.listener().on(event);
      } catch (RuntimeException e) {
        if (e instanceof RunStoppedException stop) {
          throw stop;
        }
        log.warn("run listener failed on {}", event.getClass().getSimpleName(), e);
      }
    }
  }

  private static String message(Throwable failure) {
    if (failure instanceof NodeException) {
      return failure.getMessage();
    }
    if (failure instanceof OutOfMemoryError) {
      return "out of memory: " + failure.getMessage();
    }
    String text = failure.getMessage();
    return failure.getClass().getSimpleName() + (text == null ? "" : ": " + text);
  }
}
