package dev.gpuagent.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.store.StoreSync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The server the end-to-end benches drive: a control plane in this process on a fresh temporary data
 * folder (deleted on close), an API key and a worker token, and the few public API calls they make
 * through a {@link KeepAliveClient}.
 */
final class BenchControlPlane implements AutoCloseable {
  /** EmptyImage -> ImageInvert -> SaveImage on an 8 x 8 image: the "small 3-node graph" of DESIGN section 7. */
  static final String TINY_WORKFLOW = """
      {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 255}},
       "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
       "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "tiny"}}}""";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dataDir;
  final ControlPlane server;
  final String key;
  final String token;

  BenchControlPlane(String name, StoreSync storeSync) throws IOException {
    dataDir = Files.createTempDirectory("gpu-agent-bench-" + name);
    Path noDeployments = Files.createDirectories(dataDir.resolve("no-deployments"));
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dataDir.resolve("data"), noDeployments, "default",
        1 << 24).withStoreSync(storeSync), Metrics.prometheus(), NodeRegistry.standard(), CancelNotifier.NONE,
        Clock.systemUTC());
    key = server.identity().createApiKey(server.organisation().id(), "bench").plaintext();
    token = server.identity().createWorkerToken("bench").plaintext();
  }

  Path dataDir() {
    return dataDir;
  }

  int port() {
    return server.port();
  }

  String url() {
    return "http://127.0.0.1:" + server.port();
  }

  /** Creates a deployment of {@code workflow} (API-format JSON); returns its id. */
  String deploy(KeepAliveClient client, String name, String workflow) throws IOException {
    KeepAliveClient.Answer answer = client.post("/api/deployments", key,
        "{\"name\": \"" + name + "\", \"workflow_api\": " + workflow + "}");
    if (answer.status() != 200) {
      throw new IllegalStateException("deployment " + name + ": " + answer.status() + " " + answer.body());
    }
    return JSON.readTree(answer.body()).get("id").asText();
  }

  /** Queues a run of {@code deployment} with {@code inputs} (a JSON object); returns its id. */
  String queue(KeepAliveClient client, String deployment, String inputs) throws IOException {
    KeepAliveClient.Answer answer = client.post("/api/run/deployment/queue", key,
        "{\"deployment_id\": \"" + deployment + "\", \"inputs\": " + inputs + "}");
    if (answer.status() != 200) {
      throw new IllegalStateException("queue answered " + answer.status() + ": " + answer.body());
    }
    return JSON.readTree(answer.body()).get("run_id").asText();
  }

  /** {@code POST /api/run/{id}/cancel}. */
  KeepAliveClient.Answer cancel(KeepAliveClient client, String runId) throws IOException {
    return client.post("/api/run/" + runId + "/cancel", key, "{}");
  }

  /** The run record ({@code GET /api/run/{id}}). */
  JsonNode run(KeepAliveClient client, String runId) throws IOException {
    return JSON.readTree(client.get("/api/run/" + runId, key).body());
  }

  @Override
  public void close() throws IOException {
    server.close();
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
