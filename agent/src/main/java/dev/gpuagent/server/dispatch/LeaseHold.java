package dev.gpuagent.server.dispatch;

import java.time.Instant;
import java.util.UUID;

/**
 * An open lease as the dispatcher tracks it: which worker and slot hold it, its token, when it
 * expires. {@code ending} is set once the run went terminal on the server (cancel, timeout) while
 * the worker still holds it: the slot stays busy until the worker confirms or the lease expires.
 */
final class LeaseHold {
  final String leaseId;
  final UUID runId;
  final long fencingToken;
  final String workerId;
  final String slotId;
  Instant expiresAt;
  boolean ending;
  /** Closed in the dispatcher's books: answers of writes made while it was open change nothing. */
  boolean closed;
  /** A {@link RunReport} of this lease is being committed; later ones wait, merged, in {@code pending}. */
  boolean reporting;
  RunReport pending;

  LeaseHold(String leaseId, UUID runId, long fencingToken, String workerId, String slotId, Instant expiresAt) {
    this.leaseId = leaseId;
    this.runId = runId;
    this.fencingToken = fencingToken;
    this.workerId = workerId;
    this.slotId = slotId;
    this.expiresAt = expiresAt;
  }
}
