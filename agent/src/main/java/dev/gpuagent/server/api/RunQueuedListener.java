package dev.gpuagent.server.api;

import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStore;
import java.util.concurrent.CompletableFuture;
import org.slf4j.LoggerFactory;

/**
 * How {@code POST /api/run/deployment/queue} queues a run: {@link #queue} stores it (its future
 * completes once the run is durably committed), and the dispatcher hears of it to lease it at once.
 * Must not block the request (hand the work off).
 */
@FunctionalInterface
public interface RunQueuedListener {
  /** Does nothing: no dispatcher wired in. */
  RunQueuedListener NONE = run -> {};

  /** Told after a run was committed as queued. */
  void queued(Run run);

  /**
   * Stores {@code run} as queued in {@code runs}, then tells {@link #queued}. The dispatcher overrides
   * it to lease the run in the same commit when a slot is free for it.
   */
  default CompletableFuture<Run> queue(RunStore runs, NewRun run) {
    return runs.insertAsync(run).thenApply(stored -> {
      try {
        queued(stored);
      } catch (RuntimeException e) {
        LoggerFactory.getLogger(RunQueuedListener.class).warn("could not hand run {} to the dispatcher: {}",
            stored.id(), e.toString());
      }
      return stored;
    });
  }
}
