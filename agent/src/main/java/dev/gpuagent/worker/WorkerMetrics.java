package dev.gpuagent.worker;

import dev.gpuagent.metrics.Buckets;
import dev.gpuagent.metrics.MeterFamily;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.metrics.Unit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The worker's meters (DESIGN section 6): runs by status, run and node durations, cancel latency,
 * lease renewals, connection state, uploads, and per slot whether it is busy; per GPU (labels
 * {@code gpu} = device index, {@code uuid}, {@code model}) memory used and total, slot busy, health
 * and kernel seconds.
 */
final class WorkerMetrics {
  private final Metrics metrics;
  private final MeterFamily<Counter> runs;
  private final Timer runDuration;
  private final MeterFamily<Timer> nodeDuration;
  private final Timer cancelLatency;
  private final Counter renewals;
  private final Counter reconnects;
  private final MeterFamily<Counter> uploads;

  WorkerMetrics(Metrics metrics) {
    this.metrics = metrics;
    runs = metrics.counters("worker_runs", "Runs this worker finished, by final status", "status");
    runDuration = metrics.timer("worker_run_duration", "Time from lease receipt to run_finished", Buckets.DURATIONS);
    nodeDuration = metrics.timers("worker_node_duration", "Node execution time, by node class", Buckets.DURATIONS,
        "class_type");
    cancelLatency = metrics.timer("worker_cancel_latency",
        "Time from a cancel reaching the worker to the run's slot being free", Buckets.LATENCIES);
    renewals = metrics.counter("worker_lease_renewals", "Lease renewals sent in heartbeats");
    reconnects = metrics.counter("worker_reconnects", "Connections to the server opened after the first");
    uploads = metrics.counters("worker_output_uploads", "Output uploads, by outcome", "outcome");
  }

  void connection(BooleanSupplier connected) {
    metrics.gauge("worker_connected", Unit.NONE, "1 while the worker is registered with the server", connected,
        c -> c.getAsBoolean() ? 1 : 0);
  }

  void slot(Slot slot, BooleanSupplier busy) {
    metrics.gauge("worker_slot_busy", Unit.NONE, "1 while the slot runs a lease", busy, b -> b.getAsBoolean() ? 1 : 0,
        "slot", slot.id(), "kind", slot.info().kind().wire());
    if (slot.info().deviceIndex() == null) {
      return;
    }
    String[] labels = {"gpu", String.valueOf(slot.info().deviceIndex()), "uuid", String.valueOf(slot.info().uuid()),
        "model", slot.info().gpuType()};
    SlotRuntime runtime = slot.runtime;
    metrics.gauge("gpu_memory_used", Unit.BYTES, "Device memory held by the worker's allocator (in use or cached)",
        runtime, SlotRuntime::memoryUsedBytes, labels);
    metrics.gauge("gpu_memory_capacity", Unit.BYTES, "Device memory in total", slot.info(),
        info -> info.memoryBytes() == null ? 0 : info.memoryBytes(), labels);
    metrics.gauge("gpu_slot_busy", Unit.NONE, "1 while the GPU's slot runs a lease", busy,
        b -> b.getAsBoolean() ? 1 : 0, labels);
    metrics.gauge("gpu_healthy", Unit.NONE, "0 once a sticky device error made the GPU unusable", runtime,
        r -> r.healthy() ? 1 : 0, labels);
    metrics.functionCounter("gpu_kernel", Unit.SECONDS, "Device time spent in node kernels", runtime,
        SlotRuntime::kernelSeconds, labels);
  }

  void runFinished(String status, long nanos) {
    runs.labels(status).increment();
    runDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  void nodeFinished(String classType, long nanos) {
    nodeDuration.labels(classType).record(nanos, TimeUnit.NANOSECONDS);
  }

  void cancelled(long nanos) {
    cancelLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  void renewed(int leases) {
    renewals.increment(leases);
  }

  void reconnected() {
    reconnects.increment();
  }

  void upload(Uploads.Outcome outcome) {
    uploads.labels(outcome.name().toLowerCase(java.util.Locale.ROOT)).increment();
  }
}
