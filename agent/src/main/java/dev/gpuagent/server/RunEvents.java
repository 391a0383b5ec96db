package dev.gpuagent.server;

import dev.gpuagent.server.store.Run;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.LoggerFactory;

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

    @Override
    public boolean wants(Run run) {
      return false;
    }
  };

  /** The run's status changed (queued, started, ..., a terminal status). */
  void statusChanged(Run run);

  /** The run's progress or live status changed without a status change. */
  default void progressed(Run run) {}

  /**
   * {@link #statusChanged}, completing once the listeners have done their part (a webhook event is
   * in the outbox): for a caller that must not answer before. At once here; later when told on
   * another thread ({@link #on}). Never completes exceptionally.
   */
  default CompletableFuture<Void> statusChangedAsync(Run run) {
    try {
      statusChanged(run);
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(RunEvents.class).warn("run {}: a run-events listener failed: {}", run.id(), e.toString());
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Whether this listener does anything for {@code run}'s events; a caller on a busy path may skip
   * telling it (and the thread hand-off that telling costs) when it does not. Most runs have no webhook.
   */
  default boolean wants(Run run) {
    return true;
  }

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

      @Override
      public boolean wants(Run run) {
        return events.wants(run);
      }

      @Override
      public CompletableFuture<Void> statusChangedAsync(Run run) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!tell(() -> done.complete(events.statusChangedAsync(run).join()))) {
          done.complete(null); // refused: nobody will tell it, and nobody should wait for it
        }
        return done;
      }

      /** False when the closed executor refused the notification (it is dropped). */
      private boolean tell(Runnable notification) {
        try {
          executor.execute(notification);
          return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
          LoggerFactory.getLogger(RunEvents.class).debug("run events closed; one notification dropped");
          return false;
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

      @Override
      public boolean wants(Run run) {
        return copy.stream().anyMatch(listener -> listener.wants(run));
      }
    };
  }
}
