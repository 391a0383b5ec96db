package dev.gpuagent.server.api;

import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.http.ApiException;
import dev.gpuagent.server.http.BodyFields;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.http.Request;
import dev.gpuagent.server.http.Response;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.store.Deployment;
import dev.gpuagent.server.store.DeploymentStore;
import dev.gpuagent.server.store.NewDeployment;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/deployments}, {@code GET /api/deployments}, {@code GET /api/deployments/{id}} and
 * {@code GET /api/nodes}. A graph that fails validation is {@code 422 {"detail": {"error": ...,
 * "node_errors": ...}}}: ComfyUI's {@code /prompt} error body as the detail.
 */
public final class DeploymentRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentRoutes.class);

  private final DeploymentStore deployments;
  private final Workflows workflows;
  private final byte[] objectInfo;

  public DeploymentRoutes(DeploymentStore deployments, Workflows workflows, NodeRegistry nodes) {
    this.deployments = Objects.requireNonNull(deployments, "deployments");
    this.workflows = Objects.requireNonNull(workflows, "workflows");
    this.objectInfo = Json.write(nodes.objectInfo(Json.MAPPER));
  }

  public Router.Builder addTo(Router.Builder router) {
    return router.post("/api/deployments", this::create)
        .get("/api/deployments", this::list)
        .get("/api/deployments/{deployment_id}", this::get)
        .get("/api/nodes", request -> Response.bytes(200, objectInfo, Response.JSON));
  }

  Response create(Request request) {
    BodyFields body = BodyFields.of(request);
    DeploymentSpec spec = DeploymentSpec.read(body);
    body.throwIfInvalid();
    UUID orgId = request.principal(ApiPrincipal.class).orgId();
    NewDeployment compiled;
    try {
      compiled = spec.compile(orgId, workflows);
    } catch (InvalidWorkflow e) {
      return invalidWorkflow(e);
    }
    Deployment created = deployments.create(compiled);
    LOG.info("created deployment {} ({})", created.id(), created.name());
    return Response.ok(DeploymentView.of(created));
  }

  Response list(Request request) {
    UUID orgId = request.principal(ApiPrincipal.class).orgId();
    return Response.ok(deployments.list(orgId).stream().map(DeploymentView::of).toList());
  }

  Response get(Request request) {
    UUID id = request.pathUuid("deployment_id");
    UUID orgId = request.principal(ApiPrincipal.class).orgId();
    return Response.ok(DeploymentView.of(deployments.get(orgId, id)
        .orElseThrow(() -> new ApiException(404, "Deployment not found"))));
  }

  /** {@code 422 {"detail": {"error": {...}, "node_errors": {...}}}}. */
  static Response invalidWorkflow(InvalidWorkflow e) {
    return Response.json(422, Map.of("detail", e.failure().toJson(Json.MAPPER)));
  }
}
