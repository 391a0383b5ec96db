package dev.gpuagent.protocol;

import java.util.List;
import java.util.Map;

/** Messages a worker sends to the server (docs/protocol.md, "Worker to server"). */
public sealed interface WorkerMessage extends ProtocolMessage {

  /** The first frame of every connection. */
  record Hello(
      int protocolVersion, String name, String version, Map<String, String> labels,
      List<SlotInfo> slots, List<LeaseRef> resume) implements WorkerMessage {
    public static final String TYPE = "hello";

    public Hello {
      Check.positive(protocolVersion, "protocol_version");
      Check.id(name, "name");
      Check.id(version, "version");
      labels = Check.optionalMap(labels, "labels");
      slots = Check.list(slots, "slots");
      if (slots.isEmpty()) {
        throw new IllegalArgumentException("slots must list at least one slot");
      }
      Check.unique(slots, SlotInfo::slotId, "slots");
      resume = Check.optionalList(resume, "resume");
      Check.unique(resume, LeaseRef::leaseId, "resume");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** Sent every {@code heartbeat_interval_ms}, and at once when a slot's state changes. Renews the listed leases. */
  record Heartbeat(List<LeaseRef> leases, List<SlotStatus> slots) implements WorkerMessage {
    public static final String TYPE = "heartbeat";

    public Heartbeat {
      leases = Check.optionalList(leases, "leases");
      slots = Check.optionalList(slots, "slots");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** The worker took the lease and is starting the run. */
  record LeaseAck(String leaseId, String runId, long fencingToken) implements WorkerMessage, RunScoped {
    public static final String TYPE = "lease_ack";

    public LeaseAck {
      checkLease(leaseId, runId, fencingToken);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** Node {@code index} (0-based) of {@code total} began. Sent at once, never coalesced. */
  record NodeStarted(
      String leaseId, String runId, long fencingToken, String nodeId, String classType, int index, int total)
      implements WorkerMessage, RunScoped {
    public static final String TYPE = "node_started";

    public NodeStarted {
      checkLease(leaseId, runId, fencingToken);
      Check.id(nodeId, "node_id");
      Check.id(classType, "class_type");
      Check.nonNegative(index, "index");
      if (total <= index) {
        throw new IllegalArgumentException("total must be greater than index");
      }
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** A node completed after {@code duration_ms} milliseconds. */
  record NodeFinished(String leaseId, String runId, long fencingToken, String nodeId, String classType,
      double durationMs) implements WorkerMessage, RunScoped {
    public static final String TYPE = "node_finished";

    public NodeFinished {
      checkLease(leaseId, runId, fencingToken);
      Check.id(nodeId, "node_id");
      Check.id(classType, "class_type");
      Check.nonNegative(durationMs, "duration_ms");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The run's latest progress, coalesced: at most one per {@code progress_interval_ms} per run.
   *
   * @param value overall progress 0..1
   * @param liveStatus a line for people, or null to keep the previous one
   * @param nodeId the running node, or null between nodes
   * @param step the running node's step (1-based), 0 when it has no steps
   */
  record Progress(String leaseId, String runId, long fencingToken, double value, String liveStatus,
      String nodeId, int step, int steps) implements WorkerMessage, RunScoped {
    public static final String TYPE = "progress";

    public Progress {
      checkLease(leaseId, runId, fencingToken);
      if (!(value >= 0 && value <= 1)) {
        throw new IllegalArgumentException("value must be within 0..1, got " + value);
      }
      Check.optionalText(liveStatus, "live_status", Check.MAX_TEXT_LENGTH);
      Check.optionalId(nodeId, "node_id");
      Check.nonNegative(step, "step");
      if (steps < step) {
        throw new IllegalArgumentException("steps must be at least step");
      }
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** The graph is done and {@code pending_files} outputs are still being uploaded. */
  record Uploading(String leaseId, String runId, long fencingToken, int pendingFiles)
      implements WorkerMessage, RunScoped {
    public static final String TYPE = "uploading";

    public Uploading {
      checkLease(leaseId, runId, fencingToken);
      Check.nonNegative(pendingFiles, "pending_files");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The run ended on the worker; every file in {@code outputs} was uploaded before this was sent.
   *
   * @param error null exactly when {@code status} is success
   */
  record RunFinished(String leaseId, String runId, long fencingToken, RunOutcome status, RunError error,
      List<OutputSummary> outputs, double durationMs) implements WorkerMessage, RunScoped {
    public static final String TYPE = "run_finished";

    public RunFinished {
      checkLease(leaseId, runId, fencingToken);
      Check.required(status, "status");
      if ((status == RunOutcome.SUCCESS) != (error == null)) {
        throw new IllegalArgumentException(status == RunOutcome.SUCCESS
            ? "error must be null when status is success" : "error is required when status is " + status.wire());
      }
      outputs = Check.optionalList(outputs, "outputs");
      Check.nonNegative(durationMs, "duration_ms");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The worker hands the lease back without finishing the run; the server re-queues it without
   * counting an attempt.
   *
   * @param reason {@code shutdown}, {@code draining}, {@code slot_busy}, {@code slot_unhealthy},
   *     {@code unknown_slot} or {@code not_running}
   */
  record LeaseReleased(String leaseId, String runId, long fencingToken, String reason)
      implements WorkerMessage, RunScoped {
    public static final String TYPE = "lease_released";

    public LeaseReleased {
      checkLease(leaseId, runId, fencingToken);
      Check.id(reason, "reason");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * The worker takes no new leases from now on and exits once its runs finish.
   *
   * @param reason {@code signal} or {@code server_request}
   */
  record DrainStarted(long drainTimeoutMs, String reason) implements WorkerMessage {
    public static final String TYPE = "drain_started";

    public DrainStarted {
      Check.nonNegative(drainTimeoutMs, "drain_timeout_ms");
      Check.id(reason, "reason");
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  private static void checkLease(String leaseId, String runId, long fencingToken) {
    Check.id(leaseId, "lease_id");
    Check.id(runId, "run_id");
    Check.positive(fencingToken, "fencing_token");
  }
}
