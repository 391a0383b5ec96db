package dev.gpuagent.server.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A worker's hold on a run: the lease id (the record's {@code gpu_event_id}), the attempt it is, the
 * fencing token every message about it must carry, and when it expires unless renewed.
 */
public record Lease(UUID runId, String leaseId, String workerId, int attempt, long fencingToken, Instant expiresAt) {
  public Lease {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(leaseId, "leaseId");
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
