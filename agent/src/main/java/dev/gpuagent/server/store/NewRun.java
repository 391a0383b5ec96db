package dev.gpuagent.server.store;

import java.util.Objects;
import java.util.UUID;

/**
 * What the API queues: the run's organisation, deployment (null for an ad-hoc workflow), the workflow
 * and its inputs as JSON text, the GPU type asked for after precedence (request > deployment; null =
 * any worker), the webhook, and the limits copied from the deployment.
 */
public record NewRun(
    UUID orgId,
    UUID deploymentId,
    String workflowApi,
    String workflowInputs,
    String gpu,
    String origin,
    String webhook,
    boolean webhookIntermediateStatus,
    int maxAttempts,
    int runTimeoutS) {

  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final int DEFAULT_RUN_TIMEOUT_S = 300;

  public NewRun {
    Objects.requireNonNull(orgId, "orgId");
    Objects.requireNonNull(workflowApi, "workflowApi");
    workflowInputs = workflowInputs == null ? "{}" : workflowInputs;
    origin = origin == null ? "api" : origin;
    if (gpu != null && gpu.isBlank()) {
      gpu = null;
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    }
    if (runTimeoutS < 1) {
      throw new IllegalArgumentException("runTimeoutS must be >= 1, got " + runTimeoutS);
    }
  }

  /** A run of {@code workflowApi} with no inputs, any GPU, no webhook and the default limits. */
  public static NewRun of(UUID orgId, UUID deploymentId, String workflowApi) {
    return new NewRun(orgId, deploymentId, workflowApi, "{}", null, "api", null, false,
        DEFAULT_MAX_ATTEMPTS, DEFAULT_RUN_TIMEOUT_S);
  }

  public NewRun withInputs(String inputsJson) {
    return new NewRun(orgId, deploymentId, workflowApi, inputsJson, gpu, origin, webhook, webhookIntermediateStatus,
        maxAttempts, runTimeoutS);
  }

  public NewRun withGpu(String gpuType) {
    return new NewRun(orgId, deploymentId, workflowApi, workflowInputs, gpuType, origin, webhook,
        webhookIntermediateStatus, maxAttempts, runTimeoutS);
  }

  public NewRun withWebhook(String url, boolean intermediateStatus) {
    return new NewRun(orgId, deploymentId, workflowApi, workflowInputs, gpu, origin, url, intermediateStatus,
        maxAttempts, runTimeoutS);
  }

  public NewRun withLimits(int attempts, int timeoutSeconds) {
    return new NewRun(orgId, deploymentId, workflowApi, workflowInputs, gpu, origin, webhook,
        webhookIntermediateStatus, attempts, timeoutSeconds);
  }

  public NewRun withOrigin(String runOrigin) {
    return new NewRun(orgId, deploymentId, workflowApi, workflowInputs, gpu, runOrigin, webhook,
        webhookIntermediateStatus, maxAttempts, runTimeoutS);
  }
}
