package dev.gpuagent.server.store;

import java.util.List;

/** What a lease sweep did: the runs re-queued as a new attempt, and those failed with attempts exhausted. */
public record ExpiredLeases(List<Run> requeued, List<Run> failed) {
  public ExpiredLeases {
    requeued = List.copyOf(requeued);
    failed = List.copyOf(failed);
  }

  public boolean isEmpty() {
    return requeued.isEmpty() && failed.isEmpty();
  }
}
