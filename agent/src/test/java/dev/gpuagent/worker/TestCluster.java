package dev.gpuagent.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.dispatch.DispatchSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A control plane and real workers in this JVM on loopback, with the sample deployments, an API key
 * and a worker token, plus a small client of the public API. Intervals are short so lease expiry
 * and heartbeats happen within a test.
 */
public final class TestCluster implements AutoCloseable {
  public static final String SHOWCASE = "5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01";
  public static final String DIFFUSION = "9d2e4c71-3b8a-4f06-8e5d-7a1c0b9f2e02";
  public static final Path DEPLOYMENTS = Path.of("..", "config", "deployments");
  static final ObjectMapper JSON = new ObjectMapper();

  private final Path dataDir;
  private final DispatchSettings dispatch;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<WorkerAgent> workers = new ArrayList<>();
  private ControlPlane server;
  private int port;
  public final Metrics metrics = Metrics.prometheus();
  public String key;
  public String token;

  public TestCluster(Path dataDir, Duration heartbeat, Duration ttl) {
    this.dataDir = dataDir;
    this.dispatch = DispatchSettings.defaults().withHeartbeat(heartbeat, ttl)
        .withSweepInterval(Duration.ofMillis(100));
    startServer(0);
    key = server.identity().createApiKey(server.organisation().id(), "test").plaintext();
    token = server.identity().createWorkerToken("worker").plaintext();
  }

  /** Starts (or restarts) the server on {@code port} (0: any) over the same data folder. */
  public void startServer(int port) {
    server = ControlPlane.start(new ServerSettings("127.0.0.1", port, dataDir, DEPLOYMENTS, "default", 1 << 24),
        metrics, NodeRegistry.standard(), run -> {}, dispatch, Clock.systemUTC());
    this.port = server.port();
  }

  public void stopServer() {
    server.close();
    server = null;
  }

  public ControlPlane server() {
    return server;
  }

  public int port() {
    return port;
  }

  public String base() {
    return "http://127.0.0.1:" + port;
  }

  public WorkerSettings workerSettings(String name) {
    return workerSettings(name, base());
  }

  /** A worker's settings for reaching the server at {@code server} (a relay in front of it, say). */
  public WorkerSettings workerSettings(String name, String server) {
    return WorkerSettings.resolve(Map.of("server", server, "token", token, "name", name, "gpus", "none",
        "metrics_port", "-1", "drain_timeout_s", "10", "input_dir", "../config/workflows/input"), Map.of(), null);
  }

  /** A started worker with {@code cpuSlots} CPU slots of one thread each. */
  public WorkerAgent worker(String name, int cpuSlots) {
    List<SlotRuntime> slots = new ArrayList<>();
    for (int i = 0; i < cpuSlots; i++) {
      slots.add(new CpuSlot("cpu" + i, 1));
    }
    return worker(name, slots);
  }

  public WorkerAgent worker(String name, List<SlotRuntime> slots) {
    return worker(workerSettings(name), slots);
  }

  public WorkerAgent worker(WorkerSettings settings, List<SlotRuntime> slots) {
    WorkerAgent agent = new WorkerAgent(settings, slots, NodeRegistry.standard(), metrics, "0.1.0-test", null).start();
    workers.add(agent);
    return agent;
  }

  /** A slot that says it is a GPU of {@code gpuType} but computes on the CPU: dispatch by type, without a GPU. */
  public static SlotRuntime fakeGpu(String slotId, String gpuType) {
    return new CpuSlot(SlotInfo.gpu(slotId, gpuType, 0, "GPU-00000000-0000-0000-0000-000000000000", 80L << 30), 1);
  }

  public static void await(String what, java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  // ---- the public API ----

  public HttpResponse<String> call(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + key);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Creates a deployment of a small step-based graph (a {@code size}² image through
   * ImageAnisotropicDiffusion with a {@code steps} input, then SaveImage): a run whose length the test
   * picks, and which can be cancelled at any step. Returns its id.
   */
  public String deployStepGraph(int size) throws Exception {
    String workflow = """
        {"1": {"class_type": "ComfyUIDeployExternalNumberInt", "inputs": {"input_id": "steps", "default_value": 10}},
         "2": {"class_type": "EmptyImage", "inputs": {"width": %d, "height": %d, "batch_size": 1, "color": 8421504}},
         "3": {"class_type": "ImageAnisotropicDiffusion", "inputs": {"image": ["2", 0], "steps": ["1", 0], "kappa": 0.1,
               "lambda": 0.2, "conduction": "exponential"}},
         "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "steps"}}}
        """.formatted(size, size);
    HttpResponse<String> response = call("POST", "/api/deployments",
        "{\"name\": \"steps-" + size + "\", \"workflow_api\": " + workflow + "}");
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body()).get("id").asText();
  }

  public String queue(String deploymentId, Map<String, Object> inputs, String gpu) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("deployment_id", deploymentId);
    body.set("inputs", JSON.valueToTree(inputs));
    if (gpu != null) {
      body.put("gpu", gpu);
    }
    HttpResponse<String> response = call("POST", "/api/run/deployment/queue", body.toString());
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body()).get("run_id").asText();
  }

  public JsonNode run(String runId) throws Exception {
    HttpResponse<String> response = call("GET", "/api/run/" + runId, null);
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  public HttpResponse<String> cancel(String runId) throws Exception {
    return call("POST", "/api/run/" + runId + "/cancel", "{}");
  }

  /** Polls the run until {@code condition} holds; returns the record that satisfied it. */
  public JsonNode awaitRun(String runId, Predicate<JsonNode> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = run(runId);
      if (condition.test(last)) {
        return last;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("run " + runId + " did not reach the expected state in " + timeout.toMillis()
        + " ms; last: status=" + (last == null ? null : last.get("status")) + " live_status="
        + (last == null ? null : last.get("live_status")));
  }

  public static Predicate<JsonNode> status(String status) {
    return run -> status.equals(run.path("status").asText());
  }

  public static Predicate<JsonNode> terminal() {
    return run -> List.of("success", "failed", "timeout", "cancelled").contains(run.path("status").asText());
  }

  public byte[] download(String url) throws Exception {
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, response.statusCode());
    return response.body();
  }

  @Override
  public void close() {
    workers.forEach(WorkerAgent::close);
    if (server != null) {
      server.close();
    }
  }
}
