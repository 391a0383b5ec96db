package dev.gpuagent.engine;

/**
 * Thrown at a checkpoint when a run must stop: it was cancelled, or its deadline passed. Node code
 * lets it propagate; the executor turns it into the run's terminal status.
 */
public abstract sealed class RunStoppedException extends RuntimeException
    permits RunStoppedException.Cancelled, RunStoppedException.TimedOut {

  private RunStoppedException(String message) {
    super(message, null, false, false);
  }

  public abstract RunStatus status();

  /** The run was cancelled; the message carries the reason given to the token. */
  public static final class Cancelled extends RunStoppedException {
    public Cancelled(String reason) {
      super(reason);
    }

    @Override
    public RunStatus status() {
      return RunStatus.CANCELLED;
    }
  }

  /** The run's deadline passed. */
  public static final class TimedOut extends RunStoppedException {
    public TimedOut(String message) {
      super(message);
    }

    @Override
    public RunStatus status() {
      return RunStatus.TIMEOUT;
    }
  }
}
