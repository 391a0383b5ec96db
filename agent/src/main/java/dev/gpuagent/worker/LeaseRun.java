package dev.gpuagent.worker;

import dev.gpuagent.engine.CancelToken;
import dev.gpuagent.protocol.CancelReason;
import dev.gpuagent.protocol.LeaseRef;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.WorkerMessage;

/**
 * One lease the worker holds: its run's cancel token, and what must still reach the server about it.
 * Its mutable fields are guarded by the {@link WorkerAgent}'s lock, except the volatile cancel fields.
 *
 * <p>While the connection is down (or the lease waits for its resume answer) the messages that
 * matter are kept, latest wins: the progress, the {@code uploading} notice, and the final
 * {@code run_finished} or {@code lease_released}. Node events are dropped (docs/protocol.md
 * section 13). The final message is kept after it is sent, because WebSocket has no acknowledgement:
 * the next resume re-sends it unless the server answers {@code lease_closed}.
 */
final class LeaseRun {
  /** The lease; once the run is done, without its graph ({@link #shed}). */
  volatile ServerMessage.Lease lease;
  final Slot slot;
  final long receivedNanos;
  final CancelToken token;

  /** Set by a server {@code cancel}: the status the run must end with. */
  volatile CancelReason cancelReason;
  volatile long cancelRequestedNanos;
  /** The server took the lease away, or the worker released it: send nothing more about it. */
  boolean detached;
  /** Listed in the last hello's resume; nothing is sent until the server answers. */
  boolean awaitingResume;
  WorkerMessage.Progress unsentProgress;
  WorkerMessage.Uploading unsentUploading;
  /** The {@code run_finished} or {@code lease_released}, once there is one. */
  WorkerMessage finalMessage;
  /** When the final message was last written to a connection; 0: not yet. */
  long finalSentNanos;
  /** The engine is done with the run (its slot thread has moved on). */
  boolean stopped;
  /**
   * The run no longer occupies its slot: it finished, or (protocol version 2) only its uploads remain
   * and the slot may be running another lease.
   */
  boolean leftSlot;

  LeaseRun(ServerMessage.Lease lease, Slot slot, long receivedNanos) {
    this.lease = lease;
    this.slot = slot;
    this.receivedNanos = receivedNanos;
    this.token = CancelToken.withTimeout(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(lease.timeoutMs())
        - (System.nanoTime() - receivedNanos));
  }

  /**
   * Drops what the engine needed and a finished run no longer does (its graph): the run is kept for a
   * lease TTL after its final message, for a resume, and at hundreds of runs a second those graphs
   * were most of the heap.
   */
  void shed() {
    lease = lease.withoutWorkflow();
  }

  String leaseId() {
    return lease.leaseId();
  }

  LeaseRef ref() {
    return new LeaseRef(lease.leaseId(), lease.runId(), lease.fencingToken(), lease.slotId(), leftSlot);
  }

  /** Still running, uploading or cancelled but not yet confirmed: what heartbeats renew. */
  boolean active() {
    return !detached && finalMessage == null;
  }

  @Override
  public String toString() {
    return "lease " + lease.leaseId() + " (run " + lease.runId() + ", attempt " + lease.attempt() + ", "
        + lease.slotId() + ")";
  }
}
