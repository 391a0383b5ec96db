package dev.gpuagent.server.dispatch;

import dev.gpuagent.protocol.OutputSummary;
import java.util.List;
import java.util.UUID;

/**
 * The output files of a lease, as the dispatcher needs them (docs/protocol.md sections 6 and 10): the
 * run record's {@code outputs} for a winning {@code run_finished}, and the files to drop when a lease
 * closes and its run is re-queued. The output storage implements it; the dispatcher knows nothing of
 * files or links.
 */
public interface LeaseOutputs {
  /** Records the worker's list as it is and keeps every file (a dispatcher without output storage). */
  LeaseOutputs AS_LISTED = new LeaseOutputs() {
    @Override
    public String record(UUID runId, long fencingToken, List<OutputSummary> listed) {
      return LeaseMessages.outputs(listed);
    }

    @Override
    public void discard(UUID runId, long fencingToken) {}
  };

  /**
   * The stored form of the run record's {@code outputs} for a {@code run_finished} of the lease with
   * {@code fencingToken}: only the files the server stored under that lease (the others are left out).
   */
  String record(UUID runId, long fencingToken, List<OutputSummary> listed);

  /** The lease closed and its run was re-queued (expiry, release): its files are deleted. */
  void discard(UUID runId, long fencingToken);
}
