package dev.gpuagent.server.store;

import java.util.Objects;
import java.util.UUID;

/**
 * What creating (or loading from a file) a deployment stores. The caller has validated {@code
 * workflowApi} and derived {@code inputSchema}; {@code gpu} null means any worker.
 */
public record NewDeployment(UUID orgId, String name, String workflowApi, String inputSchema, String gpu,
    int runTimeoutS) {

  public NewDeployment {
    Objects.requireNonNull(orgId, "orgId");
    Objects.requireNonNull(workflowApi, "workflowApi");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a deployment needs a name");
    }
    inputSchema = inputSchema == null ? "{}" : inputSchema;
    if (gpu != null && gpu.isBlank()) {
      gpu = null;
    }
    if (runTimeoutS < 1) {
      throw new IllegalArgumentException("runTimeoutS must be >= 1, got " + runTimeoutS);
    }
  }
}
