package dev.gpuagent.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerSettingsTest {
  @TempDir Path dir;

  @Test
  void theShippedConfigFileIsValidAndGivesTheDefaults() {
    WorkerSettings s = WorkerSettings.resolve(Map.of(), Map.of("GPU_AGENT_TOKEN", "gwt_x"),
        Path.of("..", "config", "worker.yaml"));
    assertEquals(URI.create("http://127.0.0.1:8080"), s.server());
    assertEquals(WorkerSettings.GpuUse.auto, s.gpus());
    assertEquals(-1, s.cpuSlots());
    assertEquals(9464, s.metricsPort());
    assertEquals("0.0.0.0", s.metricsHost());
    assertEquals(Duration.ofSeconds(300), s.drainTimeout());
    assertEquals(Map.of(), s.labels());
    assertEquals(List.of(), s.allowUrlHosts());
  }

  @Test
  void everySettingIsDocumentedInTheShippedFile() throws Exception {
    String text = Files.readString(Path.of("..", "config", "worker.yaml"));
    for (var setting : WorkerSettings.ALL) {
      assertTrue(text.contains(setting.yaml() + ":"), setting.yaml() + " is not in config/worker.yaml");
      assertTrue(text.contains(setting.env()), setting.env() + " is not in config/worker.yaml");
    }
  }

  @Test
  void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path file = Files.writeString(dir.resolve("w.yaml"), """
        server: http://file:1
        name: from-file
        cpu_slots: 3
        labels: {zone: a, pool: batch}
        allow_url_hosts: [images.example.com, "*.cdn.example.com"]
        """);
    WorkerSettings s = WorkerSettings.resolve(Map.of("server", "https://flag:2"),
        Map.of("GPU_AGENT_SERVER", "http://env:3", "GPU_AGENT_NAME", "from-env", "GPU_AGENT_TOKEN", "gwt_t"), file);
    assertEquals(URI.create("https://flag:2"), s.server());
    assertEquals("from-env", s.name());
    assertEquals(3, s.cpuSlots());
    assertEquals(Map.of("zone", "a", "pool", "batch"), s.labels());
    assertEquals(List.of("images.example.com", "*.cdn.example.com"), s.allowUrlHosts());
    assertEquals(URI.create("wss://flag:2/worker/v1/connect"), s.connectUri());
  }

  @Test
  void badSettingsSayWhatIsWrong() throws Exception {
    Map<String, String> token = Map.of("GPU_AGENT_TOKEN", "gwt_t");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkerSettings.resolve(Map.of(), Map.of(), null))
        .getMessage().contains("a worker token is required"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> WorkerSettings.resolve(Map.of("gpus", "maybe"), token, null)).getMessage()
        .contains("gpus must be auto, none or required"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> WorkerSettings.resolve(Map.of("server", "ftp://x"), token, null)).getMessage()
        .contains("server must be an http(s) URL"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> WorkerSettings.resolve(Map.of("cpu_slots", "two"), token, null)).getMessage()
        .contains("cpu_slots must be an integer"));
    Path typo = Files.writeString(dir.resolve("typo.yaml"), "cpu_slot: 2\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkerSettings.resolve(Map.of(), token, typo))
        .getMessage().contains("unknown setting 'cpu_slot'"));
  }

  @Test
  void uploadUrlsArePercentEncodedAndResolvedAgainstTheServer() {
    URI target = Uploads.target(URI.create("http://h:8080"),
        "/worker/v1/runs/r1/outputs/{filename}?lease=l1", "a b+é_00001_.png", "sub dir/x");
    assertEquals("http://h:8080/worker/v1/runs/r1/outputs/a%20b%2B%C3%A9_00001_.png?lease=l1&subfolder=sub%20dir%2Fx",
        target.toString());
  }
}
