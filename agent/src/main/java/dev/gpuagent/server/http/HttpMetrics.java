package dev.gpuagent.server.http;

import dev.gpuagent.metrics.Buckets;
import dev.gpuagent.metrics.MeterFamily;
import dev.gpuagent.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code gpu_agent_http_requests_total{method, route, status}} and {@code
 * gpu_agent_http_request_duration_seconds{method, route}}. The route label is the matched pattern
 * ({@code /api/run/{run_id}}), never the path, so ids do not become series; unknown methods are
 * {@code other}.
 */
final class HttpMetrics {
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  private final MeterFamily<Counter> requests;
  private final MeterFamily<Timer> durations;

  HttpMetrics(Metrics metrics) {
    requests =
        metrics.counters(
            "http_requests", "HTTP requests answered, by method, route and status", "method", "route",
            "status");
    durations =
        metrics.timers(
            "http_request_duration",
            "Time from a request's arrival to its response being written, by method and route",
            Buckets.LATENCIES,
            "method",
            "route");
  }

  void record(String method, String route, int status, long startNanos) {
    String methodLabel = METHODS.contains(method) ? method : "other";
    requests.labels(methodLabel, route, Integer.toString(status)).increment();
    durations.labels(methodLabel, route).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }
}
