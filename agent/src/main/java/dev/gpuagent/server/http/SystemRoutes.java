package dev.gpuagent.server.http;

import dev.gpuagent.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /healthz} and {@code GET /metrics}, for the server and the worker alike. Neither needs
 * a bearer token (they sit outside {@code /api}); bind the listener to a private address if the
 * metrics must not be public.
 */
public final class SystemRoutes {
  /** What {@code /healthz} reports: healthy is 200, unhealthy 503; details are added to the body. */
  public record Health(boolean healthy, Map<String, Object> details) {
    public Health {
      details = Map.copyOf(details);
    }

    public static Health ok() {
      return new Health(true, Map.of());
    }
  }

  /** Supplies the current health; runs on the handler pool, so it may check the store. */
  @FunctionalInterface
  public interface HealthCheck {
    Health check() throws Exception;
  }

  private SystemRoutes() {}

  /** Adds {@code GET /healthz} and {@code GET /metrics} (both also answer HEAD). */
  public static Router.Builder addTo(Router.Builder router, Metrics metrics, HealthCheck health) {
    return router.get("/healthz", healthz(health)).get("/metrics", metrics(metrics));
  }

  /** {@code {"status": "ok", ...details}} (200) or {@code {"status": "unavailable", ...}} (503). */
  public static RouteHandler healthz(HealthCheck health) {
    return request -> {
      Health current = health.check();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", current.healthy() ? "ok" : "unavailable");
      body.putAll(current.details());
      return Response.json(current.healthy() ? 200 : 503, body).withHeader("Cache-Control", "no-store");
    };
  }

  /** The Prometheus text exposition of the shared registry. */
  public static RouteHandler metrics(Metrics metrics) {
    return request ->
        Response.bytes(200, metrics.scrape().getBytes(StandardCharsets.UTF_8), Metrics.CONTENT_TYPE)
            .withHeader("Cache-Control", "no-store");
  }
}
