package dev.gpuagent.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A run as the store holds it: every field of the API's run record that the server owns (DESIGN
 * section 2), plus the lease bookkeeping. JSON fields ({@code workflowApi}, {@code workflowInputs},
 * {@code outputs}, {@code error}) are raw JSON text. {@code gpu} is the GPU type it ran on, {@code
 * machineId} the worker's id, {@code gpuEventId} the lease id; {@code deploymentId} is what the API
 * calls {@code workflow_id} / {@code workflow_version_id}. A run returned by a change (an insert, a
 * {@link Transition}, a sweep) has no {@code workflowApi} and {@code workflowInputs} (null): they never
 * change after the insert, and a claim or a read ({@code get}, {@code find}) returns them.
 */
public record Run(
    UUID id,
    UUID orgId,
    long number,
    UUID deploymentId,
    String workflowApi,
    String workflowInputs,
    RunStatus status,
    String origin,
    String gpuRequested,
    String gpu,
    String machineId,
    String gpuEventId,
    int attempt,
    int leaseExpiries,
    int maxAttempts,
    long fencingToken,
    Instant leaseExpiresAt,
    int runTimeoutS,
    Instant deadlineAt,
    String liveStatus,
    double progress,
    String webhook,
    String webhookStatus,
    boolean webhookIntermediateStatus,
    String outputs,
    String error,
    Instant createdAt,
    Instant queuedAt,
    Instant startedAt,
    Instant endedAt,
    Instant updatedAt) {

  /** The current lease, while a worker holds one. */
  public Optional<Lease> lease() {
    if (!status.isLeased() || gpuEventId == null || machineId == null || leaseExpiresAt == null) {
      return Optional.empty();
    }
    return Optional.of(new Lease(id, gpuEventId, machineId, attempt, fencingToken, leaseExpiresAt));
  }

  /** {@code ended - created} in seconds, or null while the run has not ended (CD's {@code duration}). */
  public Double duration() {
    return seconds(createdAt, endedAt);
  }

  /** {@code started - queued} in seconds (CD's {@code cold_start_duration}). */
  public Double coldStartDuration() {
    return seconds(queuedAt, startedAt);
  }

  /** {@code started - created} in seconds (CD's {@code cold_start_duration_total}). */
  public Double coldStartDurationTotal() {
    return seconds(createdAt, startedAt);
  }

  /** {@code ended - started} in seconds (CD's {@code run_duration}). */
  public Double runDuration() {
    return seconds(startedAt, endedAt);
  }

  private static Double seconds(Instant from, Instant to) {
    return from == null || to == null ? null : Duration.between(from, to).toMillis() / 1000.0;
  }
}
