package dev.gpuagent.protocol;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces progress per run (docs/protocol.md, "Progress"): the first update of a quiet run goes out
 * at once; later ones within the interval replace each other and the latest goes out when the
 * interval since the last emission has passed ({@link #flushDue}, driven by a timer); {@link #flush}
 * and {@link #finish} send a pending update at once, before a node event or the run's end.
 *
 * <p>Engine threads call {@link #offer}; a timer thread calls {@link #flushDue}. Emissions of one run
 * never overlap and keep their order. The sink is called on the calling thread and must be quick (an
 * enqueue onto the connection); an exception it throws is logged and swallowed, so a broken
 * connection never fails a run.
 *
 * @param <T> the update type (the worker uses {@link WorkerMessage.Progress})
 */
public final class ProgressCoalescer<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressCoalescer.class);

  /** Receives the updates that go out. */
  @FunctionalInterface
  public interface Sink<T> {
    void emit(String runKey, T update);
  }

  private final long intervalNanos;
  private final LongSupplier clock;
  private final Sink<T> sink;
  private final Map<String, Window<T>> windows = new ConcurrentHashMap<>();

  /**
   * @param interval the least time between two emissions of one run; zero passes every update through
   * @param clock a monotonic nanosecond clock ({@code System::nanoTime}; a fake one in tests)
   */
  public ProgressCoalescer(Duration interval, LongSupplier clock, Sink<T> sink) {
    if (interval == null || interval.isNegative()) {
      throw new IllegalArgumentException("interval must be zero or positive");
    }
    this.intervalNanos = interval.toNanos();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  public ProgressCoalescer(Duration interval, Sink<T> sink) {
    this(interval, System::nanoTime, sink);
  }

  /** Offers the run's latest progress: emitted now if the run's interval has passed, else kept as pending. */
  public void offer(String runKey, T update) {
    Objects.requireNonNull(update, "update");
    while (true) {
      Window<T> window = windows.computeIfAbsent(runKey, key -> new Window<>());
      synchronized (window) {
        if (window.closed) {
          continue; // finished concurrently: start a fresh window
        }
        long now = clock.getAsLong();
        if (!window.emittedOnce || now - window.lastEmitNanos >= intervalNanos) {
          window.pending = null;
          emit(runKey, window, update, now);
        } else {
          window.pending = update;
        }
        return;
      }
    }
  }

  /** Emits the run's pending update now, if it has one (before a node event, to keep order). */
  public void flush(String runKey) {
    Window<T> window = windows.get(runKey);
    if (window != null) {
      synchronized (window) {
        if (!window.closed && window.pending != null) {
          T update = window.pending;
          window.pending = null;
          emit(runKey, window, update, clock.getAsLong());
        }
      }
    }
  }

  /** The run ended: emits its pending update now, if any, and forgets the run. */
  public void finish(String runKey) {
    close(runKey, null);
  }

  /** The run ended with a final update: emits it now (a pending one is superseded) and forgets the run. */
  public void finish(String runKey, T last) {
    close(runKey, Objects.requireNonNull(last, "last"));
  }

  /** Forgets the run without emitting anything (its lease was abandoned). */
  public void discard(String runKey) {
    Window<T> window = windows.remove(runKey);
    if (window != null) {
      synchronized (window) {
        window.closed = true;
        window.pending = null;
      }
    }
  }

  /**
   * Emits every pending update whose interval has passed.
   *
   * @return nanoseconds until the next pending update falls due, or -1 when none is pending
   */
  public long flushDue() {
    long next = -1;
    for (Map.Entry<String, Window<T>> entry : windows.entrySet()) {
      Window<T> window = entry.getValue();
      synchronized (window) {
        if (window.closed || window.pending == null) {
          continue;
        }
        long now = clock.getAsLong();
        long wait = window.lastEmitNanos + intervalNanos - now;
        if (wait <= 0) {
          T update = window.pending;
          window.pending = null;
          emit(entry.getKey(), window, update, now);
        } else if (next < 0 || wait < next) {
          next = wait;
        }
      }
    }
    return next;
  }

  /** Runs {@link #flushDue} on {@code timer} every half interval (at least every millisecond). */
  public ScheduledFuture<?> scheduleOn(ScheduledExecutorService timer) {
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(1), intervalNanos / 2);
    return timer.scheduleAtFixedRate(this::flushDue, period, period, TimeUnit.NANOSECONDS);
  }

  /** How many runs are tracked (runs offered and not yet finished or discarded). */
  public int trackedRuns() {
    return windows.size();
  }

  private void close(String runKey, T last) {
    Window<T> window = windows.remove(runKey);
    if (window == null) {
      if (last != null) {
        emit(runKey, new Window<>(), last, clock.getAsLong());
      }
      return;
    }
    synchronized (window) {
      window.closed = true;
      T update = last != null ? last : window.pending;
      window.pending = null;
      if (update != null) {
        emit(runKey, window, update, clock.getAsLong());
      }
    }
  }

  private void emit(String runKey, Window<T> window, T update, long now) {
    window.emittedOnce = true;
    window.lastEmitNanos = now;
    try {
      sink.emit(runKey, update);
    } catch (RuntimeException e) {
      LOG.warn("progress of run {} not sent: {}", runKey, e.toString());
    }
  }

  /** One run's state; guarded by its own monitor. */
  private static final class Window<T> {
    boolean emittedOnce;
    long lastEmitNanos;
    T pending;
    boolean closed;
  }
}
