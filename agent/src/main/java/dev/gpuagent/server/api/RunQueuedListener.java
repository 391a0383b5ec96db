package dev.gpuagent.server.api;

import dev.gpuagent.server.store.Run;

/**
 * Told after {@code POST /api/run/deployment/queue} committed a run, so the dispatcher can lease it
 * at once. Must not block the request (hand the work off).
 */
@FunctionalInterface
public interface RunQueuedListener {
  /** Does nothing: no dispatcher wired in. */
  RunQueuedListener NONE = run -> {};

  void queued(Run run);
}
