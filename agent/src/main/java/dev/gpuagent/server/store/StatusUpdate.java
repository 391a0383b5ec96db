package dev.gpuagent.server.store;

import java.util.Objects;
import java.util.UUID;

/**
 * A status change. With a fencing token it comes from the worker holding the lease ({@code running},
 * {@code uploading}, or a terminal status with its outputs or error) and is refused when the token is
 * stale. Without one it is the server's own decision and may only set a terminal status. {@code
 * liveStatus}, {@code outputs} and {@code error} (JSON text) are kept as they are where null.
 */
public record StatusUpdate(UUID runId, Long fencingToken, RunStatus status, String liveStatus, String outputs,
    String error) {

  public StatusUpdate {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(status, "status");
    if (status == RunStatus.NOT_STARTED || status == RunStatus.QUEUED || status == RunStatus.STARTED) {
      throw new IllegalArgumentException(status.wireName() + " is set by queueing, claiming or re-queueing a run,"
          + " not by a status update");
    }
    if (fencingToken == null && !status.isTerminal()) {
      throw new IllegalArgumentException("only the worker holding the lease (with its fencing token) may set "
          + status.wireName());
    }
  }

  /** The worker moves its run forward: {@code running} or {@code uploading}. */
  public static StatusUpdate progress(UUID runId, long fencingToken, RunStatus status, String liveStatus) {
    return new StatusUpdate(runId, fencingToken, status, liveStatus, null, null);
  }

  /** The worker finishes its run with a terminal status, its outputs (JSON list) and/or error (JSON object). */
  public static StatusUpdate finish(UUID runId, long fencingToken, RunStatus status, String liveStatus,
      String outputs, String error) {
    return new StatusUpdate(runId, fencingToken, requireTerminal(status), liveStatus, outputs, error);
  }

  /** The server ends a run itself (its graph cannot be dispatched, say). */
  public static StatusUpdate server(UUID runId, RunStatus status, String liveStatus, String error) {
    return new StatusUpdate(runId, null, requireTerminal(status), liveStatus, null, error);
  }

  private static RunStatus requireTerminal(RunStatus status) {
    if (!status.isTerminal()) {
      throw new IllegalArgumentException(status.wireName() + " is not a terminal status");
    }
    return status;
  }
}
