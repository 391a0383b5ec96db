package dev.gpuagent.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The durable run queue and run records. Every change is one guarded statement: a claim is one
 * {@code UPDATE ... RETURNING}, and a terminal status is only ever set on a run that has none, so
 * exactly one terminal status wins whatever the races. Methods that take a fencing token refuse a
 * stale one. Semantics in docs/store.md.
 *
 * <p>The changes a worker's messages cause have an {@code ...Async} form whose future completes once
 * the change is durably committed (on the store's writer thread: continue elsewhere). The dispatcher
 * uses them so that one thread can keep many changes in flight and they share commits; the plain
 * form waits for the same future.
 */
public interface RunStore {

  /**
   * Queues a run: status {@code queued}, the organisation's next {@code number}, committed durably
   * before this returns. Throws IllegalArgumentException for an unknown organisation or a deployment
   * of another organisation.
   */
  Run insert(NewRun run);

  /** As {@link #insert}; the future completes once the run is durably committed. */
  CompletableFuture<Run> insertAsync(NewRun run);

  /**
   * Queues {@code run} and, in the same transaction, leases the oldest queued run matching {@code
   * gpuTypes} to {@code workerId} as {@link #claimNext} would: when the dispatcher has a free slot for
   * a run being queued, the run reaches it with one commit instead of two.
   */
  CompletableFuture<QueuedAndClaimed> insertAndClaimAsync(NewRun run, List<String> gpuTypes, String workerId,
      Duration leaseTtl);

  /** The run, if it belongs to {@code orgId} (another organisation's run is absent, as an unknown one). */
  Optional<Run> get(UUID orgId, UUID runId);

  /** The run, whichever organisation it belongs to (for the worker side and the dispatcher). */
  Optional<Run> find(UUID runId);

  /**
   * Leases the oldest queued run whose GPU type is one of {@code gpuTypes} or unset ("any"):
   * {@code started}, a new lease id, attempt = expired leases + 1 (a released lease counts none),
   * fencing token + 1, the lease expiring after {@code
   * leaseTtl}, a deadline {@code run_timeout_s} ahead. An "any" run records the first of {@code
   * gpuTypes} as the GPU it runs on. Empty when nothing matches.
   */
  default Optional<Run> claimNext(List<String> gpuTypes, String workerId, Duration leaseTtl) {
    return Futures.join(claimNextAsync(gpuTypes, workerId, leaseTtl));
  }

  /** As {@link #claimNext}, committed when the future completes. */
  CompletableFuture<Optional<Run>> claimNextAsync(List<String> gpuTypes, String workerId, Duration leaseTtl);

  /**
   * Extends the leases {@code workerId} holds among {@code leaseIds} to now + {@code ttl}; returns the
   * lease ids renewed. A lease id missing from the answer is gone (expired and re-queued, cancelled,
   * finished): the worker abandons that run.
   */
  default Set<String> renewLeases(String workerId, Collection<String> leaseIds, Duration ttl) {
    return Futures.join(renewLeasesAsync(workerId, leaseIds, ttl));
  }

  /** As {@link #renewLeases}, committed when the future completes. */
  CompletableFuture<Set<String>> renewLeasesAsync(String workerId, Collection<String> leaseIds, Duration ttl);

  /**
   * Moves every open lease that expires before {@code atLeast} to expire at {@code atLeast}; returns how
   * many it moved. The server calls it when it starts (with start + the lease TTL), so a worker has one
   * TTL to reconnect and resume after a restart (docs/protocol.md section 6).
   */
  int extendOpenLeases(Instant atLeast);

  /** Records progress (0..1) and, where not null, live status; refused when the token is stale. */
  default Transition updateProgress(UUID runId, long fencingToken, double progress, String liveStatus) {
    return Futures.join(updateProgressAsync(runId, fencingToken, progress, liveStatus));
  }

  /** As {@link #updateProgress}, committed when the future completes. */
  CompletableFuture<Transition> updateProgressAsync(UUID runId, long fencingToken, double progress, String liveStatus);

  /** Applies a status change behind the terminal guard (and the fencing token, where it carries one). */
  default Transition setStatus(StatusUpdate update) {
    return Futures.join(setStatusAsync(update));
  }

  /** As {@link #setStatus}, committed when the future completes. */
  CompletableFuture<Transition> setStatusAsync(StatusUpdate update);

  /**
   * Cancels the run if it is not terminal; otherwise refuses with {@link Transition.Refusal#TERMINAL}
   * and the status that already won. The applied record still names the worker and lease to tell.
   */
  default Transition cancel(UUID orgId, UUID runId) {
    return Futures.join(cancelAsync(orgId, runId));
  }

  /** As {@link #cancel}, committed when the future completes. */
  CompletableFuture<Transition> cancelAsync(UUID orgId, UUID runId);

  /**
   * The worker gives its run back (a drain that could not finish it): queued again at its old place
   * ({@code queued_at} kept) with {@code reason} as its live status, counting no attempt: the next
   * lease has the same attempt. Refused when the token is stale.
   */
  default Transition release(UUID runId, long fencingToken, String reason) {
    return Futures.join(releaseAsync(runId, fencingToken, reason));
  }

  /** As {@link #release}, committed when the future completes. */
  CompletableFuture<Transition> releaseAsync(UUID runId, long fencingToken, String reason);

  /**
   * Runs whose lease expired at or before {@code now} go back to the queue at their old place as a new
   * attempt, or become {@code failed} (error type {@code lease_expired}, "worker lost: the lease expired
   * on N attempts") once their leases have expired {@code max_attempts} times.
   */
  ExpiredLeases requeueExpired(Instant now);

  /** Leased runs past their deadline ({@code started_at + run_timeout_s}) become {@code timeout}. */
  List<Run> timeoutOverdue(Instant now);

  /** The runs {@code workerId} holds leases on (to resume them when it reconnects). */
  List<Run> leasedBy(String workerId);

  /** Queued runs by requested GPU type; runs for any GPU are counted under {@code "any"}. */
  Map<String, Long> queueDepth();

  /** Records the webhook delivery outcome shown in the run record. */
  void setWebhookStatus(UUID runId, String webhookStatus);
}
