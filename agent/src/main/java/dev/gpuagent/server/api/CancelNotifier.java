package dev.gpuagent.server.api;

import dev.gpuagent.server.store.Run;

/**
 * Told after {@code POST /api/run/{id}/cancel} cancelled a run in the store, with the record after
 * the cancel (it still names the worker and lease, where one held it). The dispatcher pushes the
 * cancel to that worker; it must not block the request (hand the work off).
 */
@FunctionalInterface
public interface CancelNotifier {
  /** Does nothing: nothing to tell while no dispatcher is wired in. */
  CancelNotifier NONE = run -> {};

  void cancelled(Run run);
}
