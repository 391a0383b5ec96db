package dev.gpuagent.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.engine.Backend;
import dev.gpuagent.engine.Executor;
import dev.gpuagent.engine.InputResolver;
import dev.gpuagent.engine.NodeOutput;
import dev.gpuagent.engine.OutputFile;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.engine.RunEvent;
import dev.gpuagent.engine.RunListener;
import dev.gpuagent.engine.RunResult;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.protocol.CancelReason;
import dev.gpuagent.protocol.OutputImage;
import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.protocol.RunError;
import dev.gpuagent.protocol.RunOutcome;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.workflow.ExecutionPlan;
import dev.gpuagent.workflow.Validation;
import dev.gpuagent.workflow.Validator;
import dev.gpuagent.workflow.Workflow;
import dev.gpuagent.workflow.WorkflowLimits;
import dev.gpuagent.workflow.WorkflowParseException;
import dev.gpuagent.workflow.WorkflowParser;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Executes one lease on its slot's thread: validates the graph, runs it through the engine with the
 * lease's cancel token, streams node events and coalesced progress, and reports {@code run_finished}
 * once the output uploads have settled: at once when there are none, else from the thread that
 * settles the last one (docs/protocol.md sections 4, 9, 10, 11).
 */
final class LeaseExecution {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseExecution.class);

  /** Where the execution's messages go; implemented by the agent. */
  interface Reports {
    /** A run message: sent now, or kept while the connection is down. */
    void report(LeaseRun run, WorkerMessage message);

    /** Offers progress to the coalescer. */
    void progress(LeaseRun run, WorkerMessage.Progress progress);

    /** Sends the run's pending progress now (before a node event). */
    void flushProgress(LeaseRun run);

    /**
     * The graph is done and uploads remain: send {@code uploading}, and from protocol version 2 free
     * the slot first (the server may lease it again the moment it reads the message).
     */
    void uploading(LeaseRun run, WorkerMessage.Uploading message);

    /** The run is over: free its slot if it still holds it, and send the final message (pending progress first). */
    void finished(LeaseRun run, WorkerMessage.RunFinished message, RunResult result);
  }

  private final NodeRegistry registry;
  private final WorkflowLimits limits;
  private final Uploads uploads;
  private final URI server;
  private final InputResolver inputs;
  private final Reports reports;
  private final WorkerMetrics metrics;
  private volatile WorkerAgent.RunObserver observer = (runId, event) -> {};

  LeaseExecution(NodeRegistry registry, WorkflowLimits limits, Uploads uploads, URI server, InputResolver inputs,
      Reports reports, WorkerMetrics metrics) {
    this.registry = registry;
    this.limits = limits;
    this.uploads = uploads;
    this.server = server;
    this.inputs = inputs;
    this.reports = reports;
    this.metrics = metrics;
  }

  void observe(WorkerAgent.RunObserver observer) {
    this.observer = observer;
  }

  /** Runs the lease to its end; never throws. */
  void run(LeaseRun run) {
    ServerMessage.Lease lease = run.lease;
    MDC.put("run_id", lease.runId());
    MDC.put("lease_id", lease.leaseId());
    try {
      execute(run);
    } catch (RuntimeException | Error e) {
      LOG.error("run {} failed inside the worker", lease.runId(), e);
      reports.finished(run, finish(run, RunOutcome.FAILED, new RunError(null, null,
          "internal error in the worker: " + e, "internal_error"), List.of()), null);
    } finally {
      MDC.remove("run_id");
      MDC.remove("lease_id");
    }
  }

  private void execute(LeaseRun run) {
    if (run.token.isCancelled()) {
      reports.finished(run, stopped(run, null, null), null);
      return;
    }
    ExecutionPlan plan;
    try {
      Workflow workflow = new WorkflowParser(limits).fromTree(run.lease.workflowApi());
      Validation validation = new Validator(registry, limits).validate(workflow);
      if (validation instanceof Validation.Invalid invalid) {
        reports.finished(run, finish(run, RunOutcome.FAILED, new RunError(null, null,
            "the workflow is invalid: " + invalid.failure().summary(), "validation_error"), List.of()), null);
        return;
      }
      plan = ((Validation.Valid) validation).plan();
    } catch (WorkflowParseException e) {
      reports.finished(run, finish(run, RunOutcome.FAILED, new RunError(null, null,
          "the workflow is invalid: " + e.failure().summary(), "validation_error"), List.of()), null);
      return;
    }
    Backend backend;
    try {
      backend = run.slot.runtime.backend();
    } catch (RuntimeException e) {
      reports.finished(run, finish(run, RunOutcome.FAILED, new RunError(null, null,
          "slot " + run.slot.id() + " cannot run: " + e.getMessage(), "device_error"), List.of()), null);
      return;
    }
    OutputUploadSink sink = new OutputUploadSink(uploads, server, run);
    RunContext context = new RunContext(run.lease.runId(), backend, new Listener(run), run.token, sink, inputs,
        limits, run.lease.workflowApi().deepCopy());
    RunResult result = new Executor(registry).execute(plan, context);
    run.slot.runtime.afterRun();

    int pending = sink.pending();
    if (pending > 0 && !run.token.isCancelled()) {
      reports.flushProgress(run);
      reports.uploading(run, new WorkerMessage.Uploading(run.lease.leaseId(), run.lease.runId(),
          run.lease.fencingToken(), pending));
    }
    CompletableFuture<?> settled = uploadsSettled(run, sink);
    if (settled.isDone()) {
      reports.finished(run, outcome(run, result, sink), result);
      return;
    }
    // The slot thread does not wait: the last upload's answer (on the link's event loop) or the
    // cancel sends run_finished. Waking the slot thread only to hand run_finished back to the event
    // loop had cost two thread switches a run, which on a small host were a good part of the time
    // between one lease and the next. From protocol version 2 the slot is already free (uploading).
    settled.whenComplete((ignored, error) -> finishAfterUploads(run, result, sink));
  }

  /** Completes when every upload has an outcome, or when the run is cancelled (its pending uploads are dropped). */
  private static CompletableFuture<?> uploadsSettled(LeaseRun run, OutputUploadSink sink) {
    List<CompletableFuture<Uploads.Outcome>> all = sink.uploads().stream().map(OutputUploadSink.Upload::outcome)
        .toList();
    if (all.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> stop = new CompletableFuture<>();
    run.token.onCancel(() -> stop.complete(null));
    return CompletableFuture.anyOf(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)), stop);
  }

  /** On the thread that settled the uploads; the slot thread's catch-all does not reach here. */
  private void finishAfterUploads(LeaseRun run, RunResult result, OutputUploadSink sink) {
    MDC.put("run_id", run.lease.runId());
    MDC.put("lease_id", run.lease.leaseId());
    try {
      WorkerMessage.RunFinished message;
      try {
        message = outcome(run, result, sink);
      } catch (RuntimeException | Error e) {
        LOG.error("run {} failed inside the worker", run.lease.runId(), e);
        message = finish(run, RunOutcome.FAILED, new RunError(null, null, "internal error in the worker: " + e,
            "internal_error"), List.of());
      }
      reports.finished(run, message, result);
    } finally {
      MDC.remove("run_id");
      MDC.remove("lease_id");
    }
  }

  private WorkerMessage.RunFinished outcome(LeaseRun run, RunResult result, OutputUploadSink sink) {
    return switch (result.status()) {
      case SUCCESS -> {
        List<OutputSummary> outputs = new ArrayList<>();
        for (NodeOutput output : result.outputs()) {
          List<OutputImage> images = new ArrayList<>();
          for (OutputFile file : output.images()) {
            OutputUploadSink.Upload upload = sink.upload(file.subfolder(), file.filename());
            Uploads.Outcome got = upload == null ? Uploads.Outcome.FAILED : upload.outcome().getNow(Uploads.Outcome.CANCELLED);
            if (got != Uploads.Outcome.STORED) {
              metrics.upload(got);
              yield finish(run, RunOutcome.FAILED, new RunError(output.nodeId(), output.classType(),
                  "output upload failed for " + file.filename() + ": " + describe(got), "output_upload_failed"),
                  List.of());
            }
            metrics.upload(got);
            images.add(new OutputImage(file.filename(), file.subfolder(), file.type()));
          }
          if (!images.isEmpty() || !output.text().isEmpty()) {
            outputs.add(new OutputSummary(output.nodeId(), output.classType(), images, output.text()));
          }
        }
        yield finish(run, RunOutcome.SUCCESS, null, outputs);
      }
      case CANCELLED -> stopped(run, result.failedNodeId(), result.failedClassType());
      case TIMEOUT -> finish(run, RunOutcome.TIMEOUT, new RunError(result.failedNodeId(), result.failedClassType(),
          "run exceeded its time limit" + at(result.failedNodeId(), result.failedClassType()), "timeout"), List.of());
      case FAILED -> finish(run, RunOutcome.FAILED, new RunError(result.failedNodeId(), result.failedClassType(),
          result.message(), errorType(result)), List.of());
    };
  }

  private static String describe(Uploads.Outcome outcome) {
    return switch (outcome) {
      case STALE -> "the server no longer accepts this lease's files";
      case REFUSED -> "the server refused the file";
      case FAILED -> Uploads.MAX_TRIES + " tries failed";
      case CANCELLED -> "the run was stopped";
      case STORED -> "stored";
    };
  }

  private static String errorType(RunResult result) {
    return switch (result.failureKind()) {
      case OUT_OF_MEMORY -> "out_of_memory";
      case DEVICE -> "device_error";
      case INTERNAL -> "internal_error";
      default -> "node_error";
    };
  }

  /** A run stopped by a cancel: the server's reason picks the status (cancelled or timeout). */
  private WorkerMessage.RunFinished stopped(LeaseRun run, String nodeId, String classType) {
    CancelReason reason = run.cancelReason;
    RunOutcome status = reason == null ? RunOutcome.CANCELLED : reason.outcome();
    String message = (status == RunOutcome.TIMEOUT ? "run exceeded its time limit" : "cancelled") + at(nodeId, classType);
    return finish(run, status, new RunError(nodeId, classType, message, status.wire()), List.of());
  }

  private static String at(String nodeId, String classType) {
    return nodeId == null ? "" : " at node " + nodeId + " (" + classType + ")";
  }

  private static WorkerMessage.RunFinished finish(LeaseRun run, RunOutcome status, RunError error,
      List<OutputSummary> outputs) {
    double ms = (System.nanoTime() - run.receivedNanos) / 1e6;
    return new WorkerMessage.RunFinished(run.lease.leaseId(), run.lease.runId(), run.lease.fencingToken(), status,
        error, outputs, ms);
  }

  /** Engine events to protocol messages, on the slot thread. */
  private final class Listener implements RunListener {
    private final LeaseRun run;
    private String liveStatus;

    Listener(LeaseRun run) {
      this.run = run;
    }

    @Override
    public void on(RunEvent event) {
      ServerMessage.Lease lease = run.lease;
      observer.on(lease.runId(), event);
      switch (event) {
        case RunEvent.NodeStarted started -> {
          reports.flushProgress(run);
          reports.report(run, new WorkerMessage.NodeStarted(lease.leaseId(), lease.runId(), lease.fencingToken(),
              started.nodeId(), started.classType(), started.index(), started.total()));
        }
        case RunEvent.LiveStatus status -> liveStatus = status.text();
        case RunEvent.Progress progress -> reports.progress(run, new WorkerMessage.Progress(lease.leaseId(),
            lease.runId(), lease.fencingToken(), Math.max(0, Math.min(1, progress.value())),
            progress.steps() > 0 && liveStatus != null
                ? liveStatus + " step " + progress.step() + "/" + progress.steps() : liveStatus,
            progress.nodeId(), progress.step(), progress.steps()));
        // Not sent (docs/protocol.md, node_finished): the server keeps nothing from it, and on a small
        // graph it was a third of the run's frames. The duration goes to this worker's own metrics.
        case RunEvent.NodeFinished finished -> metrics.nodeFinished(finished.classType(), finished.durationNanos());
        default -> { }
      }
    }
  }
}
