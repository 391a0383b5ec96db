package dev.gpuagent.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Messages the server sends to a worker (docs/protocol.md, "Server to worker"). */
public sealed interface ServerMessage extends ProtocolMessage {

  /** The answer to {@code hello}: the worker's id and the intervals it must follow. */
  record Welcome(int protocolVersion, String workerId, String serverVersion, long heartbeatIntervalMs,
      long leaseTtlMs, long progressIntervalMs, long maxUploadBytes, long maxFrameBytes)
      implements ServerMessage {
    public static final String TYPE = "welcome";

    public Welcome {
      Check.positive(protocolVersion, "protocol_version");
      Check.id(workerId, "worker_id");
      Check.id(serverVersion, "server_version");
      Check.positive(heartbeatIntervalMs, "heartbeat_interval_ms");
      Check.positive(leaseTtlMs, "lease_ttl_ms");
      if (leaseTtlMs <= heartbeatIntervalMs) {
        throw new IllegalArgumentException("lease_ttl_ms must be longer than heartbeat_interval_ms");
      }
      Check.nonNegative(progressIntervalMs, "progress_interval_ms");
      Check.positive(maxUploadBytes, "max_upload_bytes");
      Check.positive(maxFrameBytes, "max_frame_bytes");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A run for one of the worker's slots, or (with {@code resumed}) the server's answer to a lease the
   * worker listed in {@code hello.resume}: keep running it.
   *
   * @param gpu the GPU type the run asked for after precedence (request, then deployment), or null for any
   * @param deploymentId the run's deployment, for logs; may be null
   * @param workflowApi the graph with the run's inputs already applied
   * @param timeoutMs how long the run may still take, from receipt (the worker's local deadline)
   * @param deadline the same moment on the server's clock, ISO-8601 UTC
   * @param uploadUrl where outputs go: {@code {filename}} is replaced by the percent-encoded file name;
   *     absolute, or a path relative to the server URL the worker connected to
   */
  record Lease(String leaseId, String runId, int attempt, int maxAttempts, long fencingToken, String slotId,
      String gpu, String deploymentId, ObjectNode workflowApi, long timeoutMs, String deadline,
      String uploadUrl, boolean resumed) implements ServerMessage, RunScoped {
    public static final String TYPE = "lease";

    public Lease {
      Check.id(leaseId, "lease_id");
      Check.id(runId, "run_id");
      Check.positive(attempt, "attempt");
      if (maxAttempts < attempt) {
        throw new IllegalArgumentException("max_attempts must be at least attempt");
      }
      Check.positive(fencingToken, "fencing_token");
      Check.id(slotId, "slot_id");
      Check.optionalId(gpu, "gpu");
      Check.optionalId(deploymentId, "deployment_id");
      Check.required(workflowApi, "workflow_api");
      Check.nonNegative(timeoutMs, "timeout_ms");
      Check.required(deadline, "deadline");
      try {
        Instant.parse(deadline);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("deadline must be an ISO-8601 instant, got \"" + deadline + "\"");
      }
      Check.text(uploadUrl, "upload_url", Check.MAX_TEXT_LENGTH);
      if (!uploadUrl.contains("{filename}")) {
        throw new IllegalArgumentException("upload_url must contain {filename}");
      }
    }

    /** This lease without its graph (an empty object): what a worker keeps of a finished run. */
    public Lease withoutWorkflow() {
      return new Lease(leaseId, runId, attempt, maxAttempts, fencingToken, slotId, gpu, deploymentId,
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), timeoutMs, deadline, uploadUrl,
          resumed);
    }

    /** {@link #deadline} as an instant. */
    public Instant deadlineInstant() {
      return Instant.parse(deadline);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** Stop the run now; confirm with {@code run_finished} whose status is the reason's. */
  record Cancel(String leaseId, String runId, long fencingToken, CancelReason reason)
      implements ServerMessage, RunScoped {
    public static final String TYPE = "cancel";

    public Cancel {
      Check.id(leaseId, "lease_id");
      Check.id(runId, "run_id");
      Check.positive(fencingToken, "fencing_token");
      Check.required(reason, "reason");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The lease is no longer the worker's: stop the run, free the slot, drop anything buffered for it,
   * send nothing more about it.
   *
   * @param runId the lease's run, or null when the server does not know the lease
   * @param reason {@code lease_expired}, {@code lease_closed}, {@code unknown_lease},
   *     {@code token_mismatch} or {@code run_terminal}; a worker treats every value alike
   */
  record Abandon(String leaseId, String runId, String reason, String message) implements ServerMessage {
    public static final String TYPE = "abandon";

    public Abandon {
      Check.id(leaseId, "lease_id");
      Check.optionalId(runId, "run_id");
      Check.id(reason, "reason");
      Check.optionalText(message, "message", Check.MAX_TEXT_LENGTH);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** Behave as on a first SIGTERM: take no new leases, finish the running ones, exit. */
  record Drain(String reason) implements ServerMessage {
    public static final String TYPE = "drain";

    public Drain {
      Check.id(reason, "reason");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The server could not use a frame. With {@code fatal} the server closes the connection next.
   *
   * @param code {@code malformed_message}, {@code hello_required}, {@code invalid_hello},
   *     {@code duplicate_hello}, {@code unsupported_protocol_version} or {@code internal_error}
   */
  record ProtocolError(String code, String message, boolean fatal) implements ServerMessage {
    public static final String TYPE = "error";

    public ProtocolError {
      Check.id(code, "code");
      Check.text(message, "message", Check.MAX_TEXT_LENGTH);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }
}
