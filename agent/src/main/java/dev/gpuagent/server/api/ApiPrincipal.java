package dev.gpuagent.server.api;

import java.util.Objects;
import java.util.UUID;

/** Who called {@code /api}: the organisation of the API key. Runs and deployments are scoped to it. */
public record ApiPrincipal(UUID orgId) {
  public ApiPrincipal {
    Objects.requireNonNull(orgId, "orgId");
  }
}
