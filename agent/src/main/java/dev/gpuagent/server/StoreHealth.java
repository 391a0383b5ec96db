package dev.gpuagent.server;

import dev.gpuagent.server.http.SystemRoutes;
import dev.gpuagent.server.store.Database;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Objects;

/**
 * The server's {@code /healthz}: healthy while the store answers a trivial query on a read connection
 * ({@code {"status": "ok", "store": "ok"}}); otherwise 503 {@code {"status": "unavailable", "store":
 * "unavailable", "reason": "..."}} with the store's error message (never a secret: the store's errors
 * name files and SQL states only).
 */
final class StoreHealth implements SystemRoutes.HealthCheck {
  private final Database database;

  StoreHealth(Database database) {
    this.database = Objects.requireNonNull(database, "database");
  }

  @Override
  public SystemRoutes.Health check() {
    try {
      int one = database.read(c -> {
        try (Statement s = c.createStatement(); ResultSet row = s.executeQuery("SELECT 1")) {
          return row.next() ? row.getInt(1) : 0;
        }
      });
      if (one != 1) {
        return unhealthy("the store answered SELECT 1 with " + one);
      }
      return new SystemRoutes.Health(true, Map.of("store", "ok"));
    } catch (RuntimeException e) {
      return unhealthy(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
  }

  private static SystemRoutes.Health unhealthy(String reason) {
    return new SystemRoutes.Health(false, Map.of("store", "unavailable", "reason", reason));
  }
}
