package dev.gpuagent.worker;

import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.SlotState;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One execution slot: a runtime (CPU or one GPU) and the single thread its runs execute on, one at
 * a time. {@link #lease} is guarded by the agent's lock: the lease the server counts on this slot.
 * A lease taken away (abandon) leaves the slot at once, though its run may still be stopping on the
 * thread; the next lease then queues behind it.
 */
final class Slot {
  final SlotRuntime runtime;
  private final ExecutorService thread;
  /** The lease the slot holds, or null when free; guarded by the agent's lock. */
  LeaseRun lease;
  /** Runs submitted and not yet finished on the thread; guarded by the agent's lock. */
  int queued;

  Slot(SlotRuntime runtime) {
    this.runtime = runtime;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "slot-" + runtime.info().slotId());
      t.setDaemon(true);
      return t;
    });
  }

  SlotInfo info() {
    return runtime.info();
  }

  String id() {
    return runtime.info().slotId();
  }

  void execute(Runnable task) {
    thread.execute(task);
  }

  SlotState state() {
    if (!runtime.healthy()) {
      return SlotState.UNHEALTHY;
    }
    return lease != null ? SlotState.BUSY : SlotState.IDLE;
  }

  /** Stops the thread after the work queued on it, then closes the runtime on it. */
  void close(long waitMillis) {
    try {
      thread.execute(runtime::close);
    } catch (java.util.concurrent.RejectedExecutionException ignored) {
      // already closed
    }
    thread.shutdown();
    try {
      thread.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
