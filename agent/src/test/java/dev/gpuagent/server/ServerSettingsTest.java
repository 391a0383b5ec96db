package dev.gpuagent.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.ServerSettings.Key;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSettingsTest {
  @TempDir Path dir;

  @Test
  void defaultsApplyWhenNothingIsGiven() {
    ServerSettings s = ServerSettings.resolve(Map.of(), Map.of(), null);
    assertEquals(new ServerSettings("127.0.0.1", 8080, Path.of("data"), Path.of("config/deployments"), "default",
        32 * 1024 * 1024), s);
  }

  @Test
  void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path file = dir.resolve("server.yaml");
    Files.writeString(file, "host: 10.0.0.1\nport: 9000\ndata_dir: /srv/data\norganisation: acme\n");
    Map<String, String> env = Map.of("GPU_AGENT_PORT", "9100", "GPU_AGENT_DATA_DIR", "/env/data");
    ServerSettings s = ServerSettings.resolve(Map.of(Key.PORT, "9200"), env, file);
    assertEquals(9200, s.port());
    assertEquals(Path.of("/env/data"), s.dataDir());
    assertEquals("10.0.0.1", s.host());
    assertEquals("acme", s.organisation());
    assertEquals(Path.of("config/deployments"), s.deploymentsDir());
  }

  @Test
  void outputSettingsResolveAndPublicUrlDefaultsToTheBoundAddress() throws Exception {
    ServerSettings defaults = ServerSettings.resolve(Map.of(), Map.of(), null);
    assertNull(defaults.publicUrl());
    assertEquals(3600, defaults.outputUrlTtlS());
    assertEquals(268_435_456L, defaults.maxUploadBytes());
    assertEquals(268_435_456L, defaults.dispatch().maxUploadBytes(), "uploads stream: the body limit does not cap them");
    assertEquals("http://127.0.0.1:4567", defaults.publicUrl(4567));
    Path file = dir.resolve("out.yaml");
    Files.writeString(file, "host: 0.0.0.0\npublic_url: https://gpu.example.com/base/\noutput_url_ttl_s: 60\n"
        + "max_upload_bytes: 1000\n");
    ServerSettings s = ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_OUTPUT_URL_TTL_S", "120"), file);
    assertEquals("https://gpu.example.com/base", s.publicUrl(80));
    assertEquals(120, s.outputUrlTtlS());
    assertEquals(1000, s.maxUploadBytes());
    assertEquals("http://127.0.0.1:80", ServerSettings.resolve(Map.of(Key.HOST, "0.0.0.0"), Map.of(), null).publicUrl(80));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_PUBLIC_URL", "ftp://x"), null));
    assertTrue(bad.getMessage().startsWith("public_url must be an absolute http(s) URL"), bad.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_OUTPUT_URL_TTL_S", "0"), null));
  }

  @Test
  void configFileComesFromTheFlagElseTheEnvironment() {
    assertEquals(Path.of("a.yaml"), ServerSettings.configFile(Path.of("a.yaml"), Map.of("GPU_AGENT_CONFIG", "b.yaml")));
    assertEquals(Path.of("b.yaml"), ServerSettings.configFile(null, Map.of("GPU_AGENT_CONFIG", "b.yaml")));
    assertNull(ServerSettings.configFile(null, Map.of()));
  }

  @Test
  void theShippedExampleFileReadsAsTheDefaults() {
    ServerSettings s = ServerSettings.resolve(Map.of(), Map.of(), Path.of("..", "config", "server.yaml"));
    assertEquals(ServerSettings.resolve(Map.of(), Map.of(), null), s);
  }

  @Test
  void unknownKeysAndBadValuesAreClearErrors() throws Exception {
    Path file = dir.resolve("typo.yaml");
    Files.writeString(file, "prot: 80\n");
    IllegalArgumentException typo =
        assertThrows(IllegalArgumentException.class, () -> ServerSettings.resolve(Map.of(), Map.of(), file));
    assertTrue(typo.getMessage().contains("unknown setting 'prot'"), typo.getMessage());
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(Key.PORT, "http"), Map.of(), null));
    assertEquals("port must be an integer, got 'http'", port.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServerSettings.resolve(Map.of(Key.PORT, "70000"), Map.of(), null));
    assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(), Map.of(), dir.resolve("missing.yaml")));
  }

  @Test
  void storeSyncIsFullUnlessSetToNormalAndAnythingElseIsAnError() {
    assertEquals(dev.gpuagent.server.store.StoreSync.FULL, ServerSettings.resolve(Map.of(), Map.of(), null).storeSync());
    assertEquals(dev.gpuagent.server.store.StoreSync.NORMAL,
        ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_STORE_SYNC", "Normal"), null).storeSync());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(Key.STORE_SYNC, "off"), Map.of(), null));
    assertEquals("store_sync must be full or normal, got 'off'", bad.getMessage());
  }

  @Test
  void webhookMaxAttemptsComesFromTheEnvironmentOrFileAndIsChecked() throws Exception {
    assertEquals(8, ServerSettings.resolve(Map.of(), Map.of(), null).webhooks().maxAttempts());
    Path file = dir.resolve("hooks.yaml");
    Files.writeString(file, "webhook_max_attempts: 5\n");
    assertEquals(5, ServerSettings.resolve(Map.of(), Map.of(), file).webhookMaxAttempts());
    assertEquals(3, ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_WEBHOOK_MAX_ATTEMPTS", "3"), file)
        .webhooks().maxAttempts());
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_WEBHOOK_MAX_ATTEMPTS", "0"), null));
    assertEquals("webhook_max_attempts must be 1..100, got 0", zero.getMessage());
  }

  @Test
  void workerSettingsResolveAndFeedTheDispatcher() throws Exception {
    ServerSettings defaults = ServerSettings.resolve(Map.of(), Map.of(), null);
    assertEquals(10_000, defaults.heartbeatIntervalMs());
    assertEquals(30_000, defaults.leaseTtlMs());
    assertEquals(50, defaults.progressIntervalMs());
    assertEquals(3, defaults.maxAttempts());
    assertEquals(dev.gpuagent.server.dispatch.DispatchSettings.defaults().heartbeatInterval(),
        defaults.dispatch().heartbeatInterval());
    assertEquals(268_435_456L, defaults.dispatch().maxUploadBytes(), "welcome announces max_upload_bytes");
    Path file = dir.resolve("workers.yaml");
    Files.writeString(file, "heartbeat_interval_ms: 2000\nlease_ttl_ms: 7000\nprogress_interval_ms: 100\nmax_attempts: 5\n");
    ServerSettings s = ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_LEASE_TTL_MS", "9000"), file);
    assertEquals(java.time.Duration.ofMillis(2000), s.dispatch().heartbeatInterval());
    assertEquals(java.time.Duration.ofMillis(9000), s.dispatch().leaseTtl());
    assertEquals(java.time.Duration.ofMillis(100), s.dispatch().progressInterval());
    assertEquals(5, s.maxAttempts());
    IllegalArgumentException ttl = assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_LEASE_TTL_MS", "10000"), null));
    assertEquals("lease_ttl_ms (10000) must be longer than heartbeat_interval_ms (10000)", ttl.getMessage());
    IllegalArgumentException attempts = assertThrows(IllegalArgumentException.class,
        () -> ServerSettings.resolve(Map.of(), Map.of("GPU_AGENT_MAX_ATTEMPTS", "0"), null));
    assertEquals("max_attempts must be 1..100, got 0", attempts.getMessage());
  }
}
