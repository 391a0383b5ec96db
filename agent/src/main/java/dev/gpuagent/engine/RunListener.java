package dev.gpuagent.engine;

/**
 * Receives a run's events on the thread that executes it. Implementations must be quick: coalesce or
 * hand off anything slow (network, disk), since the run waits for them.
 */
@FunctionalInterface
public interface RunListener {
  void on(RunEvent event);

  RunListener NONE = event -> {};

  /** Both listeners, in order. */
  default RunListener andThen(RunListener next) {
    return event -> {
      on(event);
      next.on(event);
    };
  }
}
