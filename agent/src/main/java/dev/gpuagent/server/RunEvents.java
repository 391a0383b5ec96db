package dev.gpuagent.server;

import dev.gpuagent.server.store.Run;
import java.util.List;

/**
 * Told after a run changed in the store, with the record after the change. The API's queue and
 * cancel paths call it, and so does the dispatcher (worker status, progress, sweeps). Implementations
 * must be quick and must not throw into the caller's path: they hand slow work (webhook delivery) off.
 */
public interface RunEvents {
  /** Tells nobody. */
  RunEvents NONE = new RunEvents() {
    @Override
    public void statusChanged(Run run) {}
  };

  /** The run's status changed (queued, started, ..., a terminal status). */
  void statusChanged(Run run);

  /** The run's progress or live status changed without a status change. */
  default void progressed(Run run) {}

  /** Tells each of {@code listeners} in order. */
  static RunEvents all(List<RunEvents> listeners) {
    List<RunEvents> copy = List.copyOf(listeners);
    return new RunEvents() {
      @Override
      public void statusChanged(Run run) {
        copy.forEach(listener -> listener.statusChanged(run));
      }

      @Override
      public void progressed(Run run) {
        copy.forEach(listener -> listener.progressed(run));
      }
    };
  }
}
