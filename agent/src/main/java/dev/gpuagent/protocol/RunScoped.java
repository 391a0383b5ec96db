package dev.gpuagent.protocol;

/**
 * A message about one leased run. The server accepts it only while {@code lease_id} names an open,
 * unexpired lease of the sending worker for {@code run_id} whose fencing token equals
 * {@code fencing_token}; otherwise it answers {@code abandon}.
 */
public interface RunScoped {
  String leaseId();

  String runId();

  long fencingToken();
}
