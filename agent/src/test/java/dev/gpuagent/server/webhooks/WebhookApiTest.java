package dev.gpuagent.server.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.protocol.RunOutcome;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.dispatch.ScriptedWorker;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks through the public API: a real server and a local receiver, both on 127.0.0.1. */
class WebhookApiTest {
  static final String QUICK = "5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01";
  static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ControlPlane server;
  private Receiver receiver;
  private String key;

  @BeforeEach
  void start() throws Exception {
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"),
        Path.of("..", "config", "deployments"), "default", 1 << 20), Metrics.prometheus(), NodeRegistry.standard(),
        CancelNotifier.NONE, Clock.systemUTC());
    key = server.identity().createApiKey(server.organisation().id(), "test").plaintext();
    receiver = new Receiver();
  }

  @AfterEach
  void stop() {
    server.close();
    receiver.close();
  }

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Authorization", "Bearer " + key);
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String queue(String body) throws Exception {
    HttpResponse<String> response = call("POST", "/api/run/deployment/queue", body);
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body()).get("run_id").asText();
  }

  private JsonNode run(String runId) throws Exception {
    return Json.MAPPER.readTree(call("GET", "/api/run/" + runId, null).body());
  }

  private void awaitWebhookStatus(String runId, String expected) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!expected.equals(run(runId).get("webhook_status").asText(null))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("webhook_status is " + run(runId).get("webhook_status") + ", expected " + expected);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void queuedThenCancelledRunPostsSignedRunUpdatedEventsInOrder() throws Exception {
    String runId = queue("{\"deployment_id\":\"" + QUICK + "\",\"webhook\":\"" + receiver.url() + "\"}");
    assertFalse(run(runId).get("webhook_status").isNull(), "the queued event was in the outbox before the answer");
    assertEquals(200, call("POST", "/api/run/" + runId + "/cancel", null).statusCode());
    List<Receiver.Received> got = receiver.await(2, WAIT);
    awaitWebhookStatus(runId, "delivered");
    String secret = new WebhookSecrets(dir.resolve("data")).secret(server.organisation().id());
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
    String[] statuses = {"queued", "cancelled"};
    for (int i = 0; i < 2; i++) {
      Receiver.Received request = got.get(i);
      String signed = request.id() + "." + request.timestamp() + "." + request.body();
      assertEquals("v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8))),
          request.signature());
      JsonNode body = Json.MAPPER.readTree(request.body());
      assertEquals("run.updated", body.get("event_type").asText());
      assertEquals(runId, body.get("run_id").asText());
      assertEquals(statuses[i], body.get("status").asText());
      assertEquals(0.0, body.get("progress").asDouble());
      assertEquals(Json.MAPPER.createArrayNode(), body.get("outputs"));
    }
  }

  @Test
  void workerDrivenRunPostsQueuedStartedRunningSuccessAndProgressOnlyWhenAsked() throws Exception {
    String token = server.identity().createWorkerToken("worker").plaintext();
    try (ScriptedWorker worker = ScriptedWorker.connect(server.port(), token)) {
      worker.hello("host-1", List.of(SlotInfo.cpu("cpu0")), List.of());
      String plain = queue("{\"deployment_id\":\"" + QUICK + "\",\"webhook\":\"" + receiver.url() + "\"}");
      drive(worker, plain);
      List<JsonNode> events = eventsOf(plain, 4);
      assertEquals(List.of("queued", "started", "running", "success"), field(events, "status"));
      assertEquals(List.of("0.0", "0.0", "0.0", "1.0"), field(events, "progress"));
      String detailed = queue("{\"deployment_id\":\"" + QUICK + "\",\"webhook\":\"" + receiver.url()
          + "\",\"webhook_intermediate_status\":true}");
      drive(worker, detailed);
      List<JsonNode> all = eventsOf(detailed, 5);
      assertEquals(List.of("queued", "started", "running", "running", "success"), field(all, "status"));
      assertEquals(List.of("0.0", "0.0", "0.0", "0.5", "1.0"), field(all, "progress"));
      assertEquals("Executing ImageBlur (2/3) step 20/40", all.get(3).get("live_status").asText());
      awaitWebhookStatus(plain, "delivered");
      awaitWebhookStatus(detailed, "delivered");
      Thread.sleep(200);
      assertEquals(4, eventsOf(plain, 4).size(), "no progress event for a run that did not ask");
    }
  }

  /** Plays a whole run on the worker's side: lease, ack, a node, progress, finish. */
  private static void drive(ScriptedWorker worker, String runId) {
    ServerMessage.Lease lease = worker.await(ServerMessage.Lease.class, WAIT);
    assertEquals(runId, lease.runId());
    worker.send(new WorkerMessage.LeaseAck(lease.leaseId(), runId, lease.fencingToken()));
    worker.send(new WorkerMessage.NodeStarted(lease.leaseId(), runId, lease.fencingToken(), "2", "ImageBlur", 1, 3));
    worker.send(new WorkerMessage.Progress(lease.leaseId(), runId, lease.fencingToken(), 0.5,
        "Executing ImageBlur (2/3) step 20/40", "2", 20, 40));
    worker.send(new WorkerMessage.RunFinished(lease.leaseId(), runId, lease.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 2.0));
  }

  /** Waits for {@code count} events of {@code runId}, each with a valid Standard Webhooks signature; their bodies in order. */
  private List<JsonNode> eventsOf(String runId, int count) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<Receiver.Received> mine = receiver.received().stream()
          .filter(r -> r.body().contains("\"run_id\":\"" + runId + "\"")).toList();
      if (mine.size() >= count) {
        List<JsonNode> bodies = new java.util.ArrayList<>();
        for (Receiver.Received request : mine) {
          assertEquals(expectedSignature(request), request.signature(), "signature of " + request.id());
          JsonNode body = Json.MAPPER.readTree(request.body());
          assertEquals("run.updated", body.get("event_type").asText());
          bodies.add(body);
        }
        return bodies;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + count + " events of run " + runId + ", got " + mine);
      }
      Thread.sleep(10);
    }
  }

  private String expectedSignature(Receiver.Received request) throws Exception {
    String secret = new WebhookSecrets(dir.resolve("data")).secret(server.organisation().id());
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
    String signed = request.id() + "." + request.timestamp() + "." + request.body();
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<String> field(List<JsonNode> events, String name) {
    return events.stream().map(e -> e.get(name).asText()).toList();
  }

  @Test
  void aSlowReceiverDoesNotHoldUpTheApi() throws Exception {
    receiver.answering(request -> {
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 200;
    });
    String runId = queue("{\"deployment_id\":\"" + QUICK + "\",\"webhook\":\"" + receiver.url() + "\"}");
    receiver.await(1, WAIT); // the receiver now sits on the first event
    long started = System.nanoTime();
    HttpResponse<String> cancelled = call("POST", "/api/run/" + runId + "/cancel", null);
    long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
    assertEquals(200, cancelled.statusCode());
    assertTrue(tookMs < 1000, "cancel took " + tookMs + " ms");
    assertEquals("pending", run(runId).get("webhook_status").asText(), "the first event is still in flight");
    List<Receiver.Received> got = receiver.await(2, WAIT);
    assertEquals("cancelled", Json.MAPPER.readTree(got.get(1).body()).get("status").asText());
    awaitWebhookStatus(runId, "delivered");
  }

  @Test
  void aRunWithoutAWebhookHasNoWebhookStatus() throws Exception {
    String runId = queue("{\"deployment_id\":\"" + QUICK + "\"}");
    assertEquals(200, call("POST", "/api/run/" + runId + "/cancel", null).statusCode());
    Thread.sleep(200);
    assertTrue(run(runId).get("webhook_status").isNull());
    assertTrue(receiver.received().isEmpty());
  }
}
