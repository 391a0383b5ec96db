package dev.gpuagent.server.store;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer of {@link RunStore#insertAndClaimAsync}: the run just queued, and the run the same
 * transaction leased to the free slot (the oldest matching queued run: this one, or an older one that
 * was waiting), if any.
 */
public record QueuedAndClaimed(Run queued, Optional<Run> claimed) {
  public QueuedAndClaimed {
    Objects.requireNonNull(queued, "queued");
    Objects.requireNonNull(claimed, "claimed");
  }

  /** Whether the run just queued is the one leased (otherwise it waits in the queue). */
  public boolean claimedItself() {
    return claimed.map(run -> run.id().equals(queued.id())).orElse(false);
  }
}
