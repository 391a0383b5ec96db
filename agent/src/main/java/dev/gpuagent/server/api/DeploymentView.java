package dev.gpuagent.server.api;

import dev.gpuagent.server.store.Deployment;
import java.util.LinkedHashMap;
import java.util.Map;

/** A deployment as the API answers it. */
final class DeploymentView {
  private DeploymentView() {}

  static Map<String, Object> of(Deployment deployment) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", deployment.id().toString());
    view.put("name", deployment.name());
    view.put("org_id", deployment.orgId().toString());
    view.put("gpu", deployment.gpu());
    view.put("run_timeout_s", deployment.runTimeoutS());
    view.put("input_schema", JsonText.tree(deployment.inputSchema()));
    view.put("workflow_api", JsonText.tree(deployment.workflowApi()));
    view.put("created_at", JsonText.time(deployment.createdAt()));
    view.put("updated_at", JsonText.time(deployment.updatedAt()));
    return view;
  }
}
