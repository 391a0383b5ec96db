package dev.gpuagent.server.dispatch;

import dev.gpuagent.metrics.Buckets;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.metrics.Unit;
import dev.gpuagent.server.store.Run;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dispatch metrics: {@code gpu_agent_dispatch_queue_depth{gpu}} (queued runs by requested GPU type,
 * {@code any} for none), {@code gpu_agent_dispatch_latency_seconds} (queued to lease sent),
 * {@code gpu_agent_workers_connected} and {@code gpu_agent_worker_slots}.
 */
public class DispatchMetrics {
  /** Measures nothing. */
  static final DispatchMetrics NONE = new DispatchMetrics(null);

  private final Metrics metrics;
  private final Timer latency;
  private final Map<String, AtomicLong> depth = new ConcurrentHashMap<>();
  private final AtomicLong workers = new AtomicLong();
  private final AtomicLong slots = new AtomicLong();

  public DispatchMetrics(Metrics metrics) {
    this.metrics = metrics;
    if (metrics == null) {
      latency = null;
      return;
    }
    latency = metrics.timer("dispatch_latency", "Time from a run being queued to its lease being sent",
        Buckets.LATENCIES);
    metrics.gauge("workers_connected", Unit.NONE, "Workers connected over the worker protocol", workers,
        AtomicLong::get);
    metrics.gauge("worker_slots", Unit.NONE, "Slots offered by connected workers", slots, AtomicLong::get);
  }

  void connections(int workerCount, int slotCount) {
    workers.set(workerCount);
    slots.set(slotCount);
  }

  void queueDepth(Map<String, Long> byGpu) {
    if (metrics == null) {
      return;
    }
    for (AtomicLong value : depth.values()) {
      value.set(0);
    }
    byGpu.forEach((gpu, n) -> depth.computeIfAbsent(gpu, g -> {
      AtomicLong holder = new AtomicLong();
      metrics.gauge("dispatch_queue_depth", Unit.NONE, "Queued runs by requested GPU type (any: no type asked)",
          holder, AtomicLong::get, "gpu", g);
      return holder;
    }).set(n));
  }

  void dispatched(Run run, Instant now) {
    if (latency != null && run.queuedAt() != null) {
      latency.record(Duration.between(run.queuedAt(), now).abs());
    }
  }
}
