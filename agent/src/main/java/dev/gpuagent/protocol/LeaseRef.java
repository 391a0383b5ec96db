package dev.gpuagent.protocol;

/**
 * A lease the worker holds, as listed in {@code hello.resume} and {@code heartbeat.leases}.
 *
 * @param slotId the slot the lease's run occupies
 */
public record LeaseRef(String leaseId, String runId, long fencingToken, String slotId) {
  public LeaseRef {
    Check.id(leaseId, "lease_id");
    Check.id(runId, "run_id");
    Check.positive(fencingToken, "fencing_token");
    Check.id(slotId, "slot_id");
  }
}
