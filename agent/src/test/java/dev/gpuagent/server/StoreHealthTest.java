package dev.gpuagent.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.http.Response;
import dev.gpuagent.server.http.SystemRoutes;
import dev.gpuagent.server.store.Stores;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreHealthTest {
  @TempDir Path dir;

  @Test
  void healthyWhileTheStoreAnswersAndUnavailableWithTheReasonOnceItDoesNot() throws Exception {
    Stores stores = Stores.openSqlite(dir, Clock.systemUTC());
    StoreHealth health = new StoreHealth(stores.database());
    assertEquals(new SystemRoutes.Health(true, Map.of("store", "ok")), health.check());
    stores.close();
    assertEquals(new SystemRoutes.Health(false, Map.of("store", "unavailable", "reason", "the store is closed")),
        health.check());
    Response answer = SystemRoutes.healthz(health).handle(null);
    assertEquals(503, answer.status());
    assertEquals(Map.of("status", "unavailable", "store", "unavailable", "reason", "the store is closed"),
        Json.MAPPER.convertValue(Json.MAPPER.readTree(((Response.Bytes) answer.body()).data()), Map.class));
  }
}
