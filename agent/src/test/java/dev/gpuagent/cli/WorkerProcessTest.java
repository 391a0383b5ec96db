package dev.gpuagent.cli;

import static dev.gpuagent.worker.TestCluster.status;
import static dev.gpuagent.worker.TestCluster.terminal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.metrics.Promtool;
import dev.gpuagent.worker.TestCluster;
import dev.gpuagent.worker.WorkerAgent;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpu-agent worker} as a real child process against a server on loopback: kill -9 mid-run,
 * drain on SIGTERM (with systemd's notify messages), a forced stop, and its /metrics through promtool.
 */
class WorkerProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private TestCluster cluster;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void start() {
    cluster = new TestCluster(dir.resolve("data"), Duration.ofMillis(200), Duration.ofMillis(1500));
  }

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
    cluster.close();
  }

  private Process worker(String name, Map<String, String> env, String... extra) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "worker", "--server", cluster.base(), "--name", name, "--gpus", "none",
        "--cpu-slots", "1", "--drain-timeout", "30"));
    command.addAll(List.of(extra));
    if (!List.of(extra).contains("--metrics-port")) {
      command.addAll(List.of("--metrics-port", "-1"));
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().put("GPU_AGENT_TOKEN", cluster.token); // the token never on the command line
    builder.environment().putAll(env);
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  private String log(String name) throws Exception {
    return Files.readString(dir.resolve(name + ".log"));
  }

  private static void signal(Process process, String signal) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
  }

  @Test
  void aRunOfAWorkerKilledWithKill9FinishesOnTheOtherAfterTheLeaseTtl() throws Exception {
    String steps = cluster.deployStepGraph(256);
    Process doomed = worker("doomed", Map.of());
    String runId = cluster.queue(steps, Map.of("steps", 400), null);
    JsonNode running = cluster.awaitRun(runId, r -> r.path("live_status").asText().contains(" step "), WAIT);
    String doomedId = running.get("machine_id").asText();

    WorkerAgent survivor = cluster.worker("survivor", 1);
    TestCluster.await("the survivor to register", survivor::connected, WAIT);
    doomed.destroyForcibly(); // SIGKILL
    assertTrue(doomed.waitFor(10, TimeUnit.SECONDS));

    JsonNode done = cluster.awaitRun(runId, terminal(), WAIT);
    assertEquals("success", done.get("status").asText(), done.path("live_status").asText());
    assertEquals(survivor.workerId(), done.get("machine_id").asText());
    assertNotEquals(doomedId, done.get("machine_id").asText());
    assertEquals(1, done.get("outputs").size());
  }

  @Test
  void sigtermDrainsTheRunningRunThenExits0AndTellsSystemd() throws Throwable {
    String steps = cluster.deployStepGraph(256);
    try (NotifySocket socket = new NotifySocket(dir.resolve("notify"))) {
      Process worker = worker("drainer", Map.of("NOTIFY_SOCKET", socket.path().toString()));
      String ready = socket.receive();
      assertNotNull(ready, log("drainer"));
      assertTrue(ready.startsWith("READY=1\nSTATUS=registered as worker "), ready);
      assertTrue(receiveUntil(socket, "WATCHDOG=1"), "a heartbeat sends WATCHDOG=1");

      String runId = cluster.queue(steps, Map.of("steps", 150), null);
      cluster.awaitRun(runId, status("running"), WAIT);
      signal(worker, "TERM");
      assertTrue(receiveUntil(socket, "STOPPING=1"), log("drainer"));
      String afterDrain = cluster.queue(steps, Map.of("steps", 1), null);

      assertTrue(worker.waitFor(60, TimeUnit.SECONDS), log("drainer"));
      assertEquals(0, worker.exitValue(), log("drainer"));
      assertEquals("success", cluster.awaitRun(runId, terminal(), WAIT).get("status").asText());
      assertEquals("queued", cluster.run(afterDrain).get("status").asText());
    }
  }

  @Test
  void aSecondSigtermCancelsTheRunHandsItBackAndExits143() throws Exception {
    String steps = cluster.deployStepGraph(768);
    Process worker = worker("forced", Map.of());
    String runId = cluster.queue(steps, Map.of("steps", 500), null);
    cluster.awaitRun(runId, r -> r.path("live_status").asText().contains(" step "), WAIT);
    signal(worker, "TERM");
    Thread.sleep(200);
    signal(worker, "TERM");
    assertTrue(worker.waitFor(30, TimeUnit.SECONDS), log("forced"));
    assertEquals(143, worker.exitValue(), log("forced"));
    JsonNode requeued = cluster.awaitRun(runId, status("queued"), Duration.ofSeconds(10));
    assertTrue(requeued.get("started_at").isNull(), requeued.toString());
    assertTrue(requeued.get("machine_id").isNull(), requeued.toString());
  }

  @Test
  void metricsAndHealthzOfARealWorkerPassPromtool() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    worker("scraped", Map.of("GPU_AGENT_METRICS_HOST", "127.0.0.1"), "--metrics-port", String.valueOf(port));
    String runId = cluster.queue(TestCluster.SHOWCASE, Map.of(), null);
    assertEquals("success", cluster.awaitRun(runId, terminal(), WAIT).get("status").asText());

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"status\":\"ok\""), health.body());
    assertTrue(health.body().contains("\"connected\":true"), health.body());

    String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(text.contains("gpu_agent_worker_runs_total{status=\"success\"} 1.0"), text);
    assertTrue(text.contains("gpu_agent_worker_connected 1.0"), text);
    assertTrue(text.contains("gpu_agent_worker_slot_busy{kind=\"cpu\",slot=\"cpu0\"}"), text);
    assertTrue(text.contains("gpu_agent_worker_node_duration_seconds_bucket{class_type=\"SaveImage\""), text);
    assertTrue(text.contains("gpu_agent_build_info{"), text);
    var promtool = Promtool.find();
    if (promtool.isEmpty()) {
      System.out.println("WorkerProcessTest: promtool not on PATH, `promtool check metrics` skipped");
      return;
    }
    Promtool.Result result = Promtool.check(promtool.get(), text);
    assertEquals(0, result.exitCode(), result.output() + "\n--- /metrics ---\n" + text);
  }

  private static boolean receiveUntil(NotifySocket socket, String prefix) throws Throwable {
    for (int i = 0; i < 200; i++) {
      String message = socket.receive();
      if (message == null) {
        return false;
      }
      if (message.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
