package dev.gpuagent.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.server.RunEvents;
import dev.gpuagent.server.http.ApiException;
import dev.gpuagent.server.http.BodyFields;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.http.Request;
import dev.gpuagent.server.http.Response;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.http.ValidationException;
import dev.gpuagent.server.store.Deployment;
import dev.gpuagent.server.store.DeploymentStore;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStore;
import dev.gpuagent.server.store.Transition;
import dev.gpuagent.workflow.Workflow;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /api/run/deployment/queue}, {@code GET /api/run/{run_id}}, {@code POST /api/run/{run_id}/cancel}. */
public final class RunRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(RunRoutes.class);

  private final RunStore runs;
  private final DeploymentStore deployments;
  private final Workflows workflows;
  private final CancelNotifier cancelNotifier;
  private final RunQueuedListener queuedListener;
  private final RunEvents events;
  private final RunOutputs outputs;
  private final int maxAttempts;

  public RunRoutes(RunStore runs, DeploymentStore deployments, Workflows workflows, CancelNotifier cancelNotifier) {
    this(runs, deployments, workflows, cancelNotifier, RunQueuedListener.NONE, RunEvents.NONE, RunOutputs.STORED,
        NewRun.DEFAULT_MAX_ATTEMPTS);
  }

  /**
   * {@code queuedListener} hears of every queued run (the dispatcher); {@code events} of each run this
   * API queues or cancels (webhooks); {@code outputs} renders the record's outputs (signed links);
   * {@code maxAttempts} is copied into each queued run (the server's {@code max_attempts}).
   */
  public RunRoutes(RunStore runs, DeploymentStore deployments, Workflows workflows, CancelNotifier cancelNotifier,
      RunQueuedListener queuedListener, RunEvents events, RunOutputs outputs, int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    this.queuedListener = Objects.requireNonNull(queuedListener, "queuedListener");
    this.events = Objects.requireNonNull(events, "events");
    this.outputs = Objects.requireNonNull(outputs, "outputs");
    this.runs = Objects.requireNonNull(runs, "runs");
    this.deployments = Objects.requireNonNull(deployments, "deployments");
    this.workflows = Objects.requireNonNull(workflows, "workflows");
    this.cancelNotifier = Objects.requireNonNull(cancelNotifier, "cancelNotifier");
  }

  public Router.Builder addTo(Router.Builder router) {
    return router.routeAsync("POST", "/api/run/deployment/queue", this::queue)
        .get("/api/run/{run_id}", this::get)
        .post("/api/run/{run_id}/cancel", this::cancel);
  }

  /** Answered once the run is durably queued (and, onto a free slot, leased), by the thread that committed it. */
  CompletableFuture<Response> queue(Request request) {
    BodyFields body = BodyFields.of(request);
    UUID deploymentId = body.requiredUuid("deployment_id");
    ObjectNode inputs = body.optionalObject("inputs").orElseGet(Json::object);
    Optional<URI> webhook = body.optionalHttpUrl("webhook");
    boolean intermediate = body.optionalBool("webhook_intermediate_status").orElse(false);
    Optional<String> gpu = body.optionalEnum("gpu", GpuTypes.ALL);
    body.throwIfInvalid();
    UUID orgId = request.principal(ApiPrincipal.class).orgId();
    Deployment deployment = deployments.get(orgId, deploymentId)
        .orElseThrow(() -> new ApiException(404, "Deployment not found"));
    Workflow graph = workflows.parse(deployment.workflowApi());
    Workflow applied;
    try {
      applied = workflows.withInputs(graph, inputs);
    } catch (InvalidWorkflow e) {
      throw new ValidationException(InputErrors.of(e.failure(), graph, inputs));
    }
    NewRun run = new NewRun(orgId, deployment.id(), applied.json().toString(), inputs.toString(),
        gpu.orElse(deployment.gpu()), "api", webhook.map(URI::toString).orElse(null), intermediate,
        maxAttempts, deployment.runTimeoutS());
    return queuedListener.queue(runs, run).thenCompose(stored -> {
      LOG.debug("queued run {} of deployment {} (gpu {})", stored.id(), deployment.id(),
          stored.gpuRequested() == null ? "any" : stored.gpuRequested());
      Response answer = Response.ok(Map.of("run_id", stored.id().toString()));
      // A run with a webhook is answered once its "queued" event is in the outbox (api.md "Delivery").
      return told(stored).thenApply(ignored -> answer);
    });
  }

  Response get(Request request) {
    UUID runId = request.pathUuid("run_id");
    UUID orgId = request.principal(ApiPrincipal.class).orgId();
    Run run = runs.get(orgId, runId).orElseThrow(RunRoutes::runNotFound);
    return Response.ok(RunView.of(run, outputs));
  }

  Response cancel(Request request) {
    UUID runId = request.pathUuid("run_id");
    UUID orgId = request.principal(ApiPrincipal.class).orgId();
    return switch (runs.cancel(orgId, runId)) {
      case Transition.Applied applied -> {
        LOG.info("cancelled run {}", runId);
        told(applied.run()).join(); // on a handler thread: the event is in the outbox before the answer
        try {
          cancelNotifier.cancelled(applied.run());
        } catch (RuntimeException e) {
          LOG.warn("could not pass the cancel of run {} on to its worker: {}", runId, e.toString());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("success", true);
        answer.put("message", "Run cancelled");
        yield Response.ok(answer);
      }
      case Transition.Refused refused ->
          throw ApiException.conflict("Run is already " + refused.run().status().wireName());
      case Transition.NotFound notFound -> throw runNotFound();
    };
  }

  /** Tells the run's events; completes once they are recorded (at once for a run nobody listens to). */
  private CompletableFuture<Void> told(Run run) {
    return events.wants(run) ? events.statusChangedAsync(run) : CompletableFuture.completedFuture(null);
  }

  private static ApiException runNotFound() {
    return new ApiException(404, "Run not found");
  }
}
