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

  /**
   * Tells {@code events} on {@code executor} (one thread keeps the order): for callers that may run on
   * the store's writer thread, which must not do store work (a webhook event is a store write). A
   * notification the closed executor refuses is dropped.
   */
  static RunEvents on(java.util.concurrent.Executor executor, RunEvents events) {
    return new RunEvents() {
      @Override
      public void statusChanged(Run run) {
        tell(() -> events.statusChanged(run));
      }

      @Override
      public void progressed(Run run) {
        tell(() -> events.progressed(run));
      }

      private void tell(Runnable notification) {
        try {
          executor.execute(notification);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          org.slf4j.LoggerFactory.getLogger(RunEvents.class).debug("run events closed; one notification dropped");
        }
      }
    };
  }

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
