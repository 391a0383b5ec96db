package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.metrics.Promtool;
import dev.gpuagent.protocol.LeaseRef;
import dev.gpuagent.protocol.RunOutcome;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.server.dispatch.ScriptedWorker;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.Stores;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart durability with the server in a child process (issue 4, "Proof"): runs in every state are
 * acknowledged, the server is killed with SIGKILL ({@code destroyForcibly}) and started again on the
 * same data folder. Every acknowledged run is there with its status; the queued ones are dispatched to
 * a worker that connects; the leased one, whose lease lapsed while the server was down, waits (the
 * restart grace of protocol.md section 6) for its worker to reconnect and resume it, and is not
 * re-queued. The restarted server's live {@code /metrics} passes {@code promtool check metrics}.
 */
class ServerRestartTest {
  static final String QUICK = "5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01";
  static final Duration WAIT = Duration.ofSeconds(20);
  static final long LEASE_TTL_MS = 6000; // the restart grace: long enough for a loaded machine to start a JVM and reconnect
  private static final Pattern URL = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");

  @TempDir Path dir;

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<Process> processes = new ArrayList<>();
  private final List<ScriptedWorker> workers = new ArrayList<>();
  private String key;
  private String token;

  @AfterEach
  void stop() {
    workers.forEach(ScriptedWorker::close);
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void killedServerKeepsEveryAcknowledgedRunAndALeasedRunWaitsForItsWorker() throws Exception {
    Path data = dir.resolve("data");
    try (Stores stores = Stores.openSqlite(data, Clock.systemUTC())) {
      JdbcIdentityStore identity = new JdbcIdentityStore(stores.database(), Clock.systemUTC());
      key = identity.createApiKey(identity.ensureOrganisation("default").id(), "test").plaintext();
      token = identity.createWorkerToken("worker").plaintext();
    }
    long t0 = System.nanoTime();
    Child first = Child.start(dir, data);
    processes.add(first.process);
    String base = first.url.get(60, TimeUnit.SECONDS);
    System.out.printf("ServerRestartTest: first server listening after %d ms%n", (System.nanoTime() - t0) / 1_000_000);

    ScriptedWorker host1 = worker(base);
    String worker1 = host1.hello("host-1", List.of(SlotInfo.cpu("cpu0")), List.of(), WAIT).workerId();
    String done = queue(base);
    ServerMessage.Lease doneLease = host1.await(ServerMessage.Lease.class, WAIT);
    host1.send(new WorkerMessage.RunFinished(doneLease.leaseId(), done, doneLease.fencingToken(), RunOutcome.SUCCESS,
        null, List.of(), 1.0));
    awaitStatus(base, done, "success");
    String leased = queue(base);
    ServerMessage.Lease lease = host1.await(ServerMessage.Lease.class, WAIT);
    assertEquals(leased, lease.runId());
    host1.send(new WorkerMessage.LeaseAck(lease.leaseId(), leased, lease.fencingToken()));
    LeaseRef held = new LeaseRef(lease.leaseId(), leased, lease.fencingToken(), lease.slotId());
    host1.heartbeatEvery(Duration.ofMillis(500), List.of(held));
    String queued1 = queue(base);
    String queued2 = queue(base);
    String cancelled = queue(base);
    assertEquals(200, post(base, "/api/run/" + cancelled + "/cancel").statusCode());
    Map<String, String> acknowledged = new LinkedHashMap<>();
    acknowledged.put(done, "success");
    acknowledged.put(leased, "started");
    acknowledged.put(queued1, "queued");
    acknowledged.put(queued2, "queued");
    acknowledged.put(cancelled, "cancelled");
    for (var run : acknowledged.entrySet()) {
      assertEquals(run.getValue(), run(base, run.getKey()).get("status").asText(), "before the kill");
    }

    first.process.destroyForcibly(); // SIGKILL: no shutdown hook, no checkpoint
    assertTrue(first.process.waitFor(20, TimeUnit.SECONDS));
    host1.close(); // the worker keeps running its run while it cannot reach the server
    Thread.sleep(LEASE_TTL_MS + 200); // the lease lapses while the server is down

    long t1 = System.nanoTime();
    Child second = Child.start(dir, data);
    processes.add(second.process);
    String again = second.url.get(60, TimeUnit.SECONDS);
    System.out.printf("ServerRestartTest: restarted server listening after %d ms%n", (System.nanoTime() - t1) / 1_000_000);
    for (var run : acknowledged.entrySet()) {
      assertEquals(run.getValue(), run(again, run.getKey()).get("status").asText(), "after the restart: " + run.getKey());
    }
    assertEquals(lease.leaseId(), run(again, leased).get("gpu_event_id").asText(), "the leased run was not re-queued");

    ScriptedWorker back = worker(again);
    assertEquals(worker1, back.hello("host-1", List.of(SlotInfo.cpu("cpu0")), List.of(held), WAIT).workerId());
    ServerMessage.Lease resumed = back.await(ServerMessage.Lease.class, WAIT);
    assertTrue(resumed.resumed(), "the lease is resumed within the restart grace");
    assertEquals(lease.leaseId(), resumed.leaseId());
    assertEquals(lease.fencingToken(), resumed.fencingToken());
    assertEquals(1, resumed.attempt());
    assertNull(back.poll(ServerMessage.Abandon.class, Duration.ZERO));

    ScriptedWorker host2 = worker(again);
    host2.hello("host-2", List.of(SlotInfo.cpu("cpu0"), SlotInfo.cpu("cpu1")), List.of(), WAIT);
    ServerMessage.Lease a = host2.await(ServerMessage.Lease.class, WAIT);
    ServerMessage.Lease b = host2.await(ServerMessage.Lease.class, WAIT);
    assertEquals(List.of(queued1, queued2), List.of(a.runId(), b.runId()), "the queued runs, in queue order");

    back.send(new WorkerMessage.RunFinished(lease.leaseId(), leased, lease.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 3.0));
    for (ServerMessage.Lease l : List.of(a, b)) {
      host2.send(new WorkerMessage.RunFinished(l.leaseId(), l.runId(), l.fencingToken(), RunOutcome.SUCCESS, null,
          List.of(), 1.0));
    }
    for (String run : List.of(leased, queued1, queued2)) {
      awaitStatus(again, run, "success");
    }
    assertEquals("cancelled", run(again, cancelled).get("status").asText());

    HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(URI.create(again + "/metrics")).build(),
        BodyHandlers.ofString());
    assertEquals(200, scrape.statusCode());
    assertTrue(scrape.body().contains("gpu_agent_workers_connected 2"), scrape.body());
    assertTrue(scrape.body().contains("gpu_agent_dispatch_latency_seconds_count 2"), scrape.body());
    var promtool = Promtool.find();
    if (promtool.isEmpty()) {
      System.out.println("ServerRestartTest: promtool not on PATH, `promtool check metrics` skipped");
    } else {
      Promtool.Result result = Promtool.check(promtool.get(), scrape.body());
      assertEquals(0, result.exitCode(), result.output() + "\n--- /metrics ---\n" + scrape.body());
    }
    second.process.destroy();
    assertTrue(second.process.waitFor(20, TimeUnit.SECONDS), "the server stops on SIGTERM");
  }

  // ---- helpers ----

  /** A {@code gpu-agent server} child process; {@code url} completes with its address once it listens. */
  private record Child(Process process, CompletableFuture<String> url) {
    static Child start(Path workDir, Path data) throws IOException {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx512m", "-cp",
          System.getProperty("java.class.path"), Main.class.getName(), "server", "--port", "0",
          "--data-dir", data.toString(), "--deployments", CliProcess.REPO.resolve("config/deployments").toString()));
      ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
      builder.environment().put("GPU_AGENT_LOG_LEVEL", "INFO");
      builder.environment().put("GPU_AGENT_TEST_LOG_LEVEL", "INFO"); // the test classpath's logback-test.xml
      builder.environment().put("GPU_AGENT_LEASE_TTL_MS", String.valueOf(LEASE_TTL_MS));
      builder.environment().put("GPU_AGENT_HEARTBEAT_INTERVAL_MS", "1000");
      builder.environment().remove("GPU_AGENT_CONFIG");
      Process process = builder.start();
      CompletableFuture<String> url = new CompletableFuture<>();
      StringBuilder log = new StringBuilder();
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = lines.readLine()) != null; ) {
            synchronized (log) {
              log.append(line).append('\n');
            }
            Matcher m = URL.matcher(line);
            if (m.find()) {
              url.complete(m.group(1));
            }
          }
        } catch (IOException e) {
          // the process went away
        }
        synchronized (log) {
          url.completeExceptionally(new AssertionError("the server ended without listening:\n" + log));
        }
      }, "server-log");
      reader.setDaemon(true);
      reader.start();
      return new Child(process, url);
    }
  }

  private ScriptedWorker worker(String base) {
    ScriptedWorker w = ScriptedWorker.connect(URI.create(base).getPort(), token);
    workers.add(w);
    return w;
  }

  private String queue(String base) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/run/deployment/queue"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString("{\"deployment_id\":\"" + QUICK + "\"}")).build(), BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return Json.MAPPER.readTree(r.body()).get("run_id").asText();
  }

  private HttpResponse<String> post(String base, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key)
        .POST(BodyPublishers.noBody()).build(), BodyHandlers.ofString());
  }

  private JsonNode run(String base, String runId) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/run/" + runId))
        .header("Authorization", "Bearer " + key).build(), BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return Json.MAPPER.readTree(r.body());
  }

  private void awaitStatus(String base, String runId, String status) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    String seen = null;
    while (System.nanoTime() < end) {
      seen = run(base, runId).get("status").asText();
      if (status.equals(seen)) {
        return;
      }
      Thread.sleep(20);
    }
    assertEquals(status, seen, "status of run " + runId);
  }
}
