package dev.gpuagent.protocol;

/**
 * A lease the worker holds, as listed in {@code hello.resume} and {@code heartbeat.leases}.
 *
 * @param slotId the slot the lease's run was given
 * @param uploading the run is past its graph and only its uploads remain (protocol version 2): the
 *     lease no longer occupies its slot, which may be running another lease; never null
 */
public record LeaseRef(String leaseId, String runId, long fencingToken, String slotId, Boolean uploading) {
  public LeaseRef {
    uploading = Boolean.TRUE.equals(uploading); // optional on the wire (a version 1 worker leaves it out)
    Check.id(leaseId, "lease_id");
    Check.id(runId, "run_id");
    Check.positive(fencingToken, "fencing_token");
    Check.id(slotId, "slot_id");
  }

  /** A lease whose run still occupies its slot. */
  public LeaseRef(String leaseId, String runId, long fencingToken, String slotId) {
    this(leaseId, runId, fencingToken, slotId, false);
  }
}
