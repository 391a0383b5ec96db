package dev.gpuagent.engine;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/**
 * Cancellation and deadline for one run. Cheap to check: a volatile read and, with a deadline, a
 * {@code nanoTime} call. The executor checks it before every node; step-based nodes check it every
 * step through {@link NodeInvocation#progress}.
 */
public final class CancelToken {
  private static final long NO_DEADLINE = Long.MAX_VALUE;

  private volatile String cancelReason;
  private final long deadlineNanos;
  private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();

  private CancelToken(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  public static CancelToken none() {
    return new CancelToken(NO_DEADLINE);
  }

  /** A token whose run times out {@code timeoutNanos} from now. */
  public static CancelToken withTimeout(long timeoutNanos) {
    return new CancelToken(System.nanoTime() + timeoutNanos);
  }

  /** Asks the run to stop at its next checkpoint. The first reason wins. */
  public void cancel(String reason) {
    if (cancelReason == null) {
      synchronized (this) {
        if (cancelReason == null) {
          cancelReason = reason == null ? "cancelled" : reason;
        }
      }
      onCancel.forEach(Runnable::run);
    }
  }

  public boolean isCancelled() {
    return cancelReason != null;
  }

  /** Runs {@code action} when the token is cancelled (at once if it already is). */
  public void onCancel(Runnable action) {
    onCancel.add(action);
    if (cancelReason != null) {
      action.run();
    }
  }

  /** Throws if the run must stop; otherwise returns at once. */
  public void checkpoint() {
    if (cancelReason != null) {
      throw new RunStoppedException.Cancelled(cancelReason);
    }
    if (deadlineNanos != NO_DEADLINE && System.nanoTime() - deadlineNanos >= 0) {
      throw new RunStoppedException.TimedOut("run exceeded its time limit");
    }
  }
}
