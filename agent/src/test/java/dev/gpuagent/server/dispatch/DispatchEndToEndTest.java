package dev.gpuagent.server.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.protocol.CancelReason;
import dev.gpuagent.protocol.LeaseRef;
import dev.gpuagent.protocol.OutputImage;
import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.protocol.RunError;
import dev.gpuagent.protocol.RunOutcome;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.outputs.OutputFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker protocol end to end: a real server on 127.0.0.1 and scripted workers over WebSocket. */
class DispatchEndToEndTest {
  static final String QUICK = "5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01";
  static final Duration WAIT = Duration.ofSeconds(5);
  static final List<SlotInfo> CPU = List.of(SlotInfo.cpu("cpu0"));
  static final List<SlotInfo> H100 = List.of(SlotInfo.gpu("gpu0", "H100", 0, "GPU-1", 80L << 30));

  @TempDir Path dir;

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ControlPlane server;
  private String key;
  private String token;
  private Metrics metrics;
  private final java.util.List<ScriptedWorker> workers = new java.util.ArrayList<>();

  private void start(DispatchSettings dispatch) {
    start(dispatch, Path.of("..", "config", "deployments"));
  }

  private void start(DispatchSettings dispatch, Path deployments) {
    metrics = Metrics.prometheus();
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"), deployments, "default",
        1 << 20), metrics, NodeRegistry.standard(), run -> {}, dispatch, Clock.systemUTC());
    key = server.identity().createApiKey(server.organisation().id(), "test").plaintext();
    token = server.identity().createWorkerToken("worker").plaintext();
  }

  @AfterEach
  void stop() {
    workers.forEach(ScriptedWorker::close);
    if (server != null) {
      server.close();
    }
  }

  private ScriptedWorker worker() {
    ScriptedWorker w = ScriptedWorker.connect(server.port(), token);
    workers.add(w);
    return w;
  }

  // ---- connect ----

  @Test
  void helloGetsWelcomeWithStableWorkerIdAndProtocolDefaults() {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    ServerMessage.Welcome welcome = w.hello("host-1", CPU, List.of());
    assertEquals(1, welcome.protocolVersion());
    assertEquals(10_000, welcome.heartbeatIntervalMs());
    assertEquals(30_000, welcome.leaseTtlMs());
    assertEquals(50, welcome.progressIntervalMs());
    assertEquals(16 << 20, welcome.maxFrameBytes());
    ScriptedWorker again = worker();
    assertEquals(welcome.workerId(), again.hello("host-1", CPU, List.of()).workerId());
    assertEquals(4000, w.closeCode.orTimeout(5, TimeUnit.SECONDS).join());
    assertNotEquals(welcome.workerId(), worker().hello("host-2", CPU, List.of()).workerId());
  }

  @Test
  void firstFrameMustBeHello() {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    w.send(new WorkerMessage.Heartbeat(List.of(), List.of()));
    ServerMessage.ProtocolError error = w.await(ServerMessage.ProtocolError.class, WAIT);
    assertEquals("hello_required", error.code());
    assertTrue(error.fatal());
    assertEquals(1002, w.closeCode.orTimeout(5, TimeUnit.SECONDS).join());
  }

  @Test
  void noHelloInTimeClosesWith4001AndARevokedTokenWith1008() {
    start(DispatchSettings.defaults().withHelloTimeout(Duration.ofMillis(200)));
    ScriptedWorker mute = worker();
    assertEquals(4001, mute.closeCode.orTimeout(5, TimeUnit.SECONDS).join());
    var issued = server.identity().createWorkerToken("revoked");
    ScriptedWorker w = ScriptedWorker.connect(server.port(), issued.plaintext());
    workers.add(w);
    w.hello("host-9", CPU, List.of());
    assertTrue(server.identity().revokeWorkerToken(issued.id()));
    server.dispatcher().tokenRevoked(issued.id());
    assertEquals(1008, w.closeCode.orTimeout(5, TimeUnit.SECONDS).join());
  }

  @Test
  void tokenRevokedInTheStoreClosesItsConnectionsWithinAHeartbeatInterval() throws Exception {
    start(DispatchSettings.defaults().withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(600)));
    var issued = server.identity().createWorkerToken("revoked-later");
    ScriptedWorker revoked = ScriptedWorker.connect(server.port(), issued.plaintext());
    workers.add(revoked);
    revoked.hello("host-9", CPU, List.of());
    revoked.heartbeatEvery(Duration.ofMillis(100), List.of());
    ScriptedWorker kept = worker();
    kept.hello("host-1", CPU, List.of());
    kept.heartbeatEvery(Duration.ofMillis(100), List.of());
    Thread.sleep(300);
    assertFalse(revoked.closeCode.isDone(), "a live token keeps its connection");
    // As `gpu-agent tokens revoke` does: on the database, without telling the dispatcher.
    assertTrue(server.identity().revokeWorkerToken(issued.id()));
    long before = System.nanoTime();
    assertEquals(1008, revoked.closeCode.orTimeout(5, TimeUnit.SECONDS).join());
    System.out.printf("revoke -> close: %.0f ms (heartbeat interval 200 ms)%n", (System.nanoTime() - before) / 1e6);
    assertFalse(kept.closeCode.isDone(), "other tokens' connections stay");
    assertEquals(queue(""), kept.await(ServerMessage.Lease.class, WAIT).runId());
  }

  @Test
  void malformedFrameAfterHelloIsAnsweredAndTheConnectionLives() {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    w.sendText("{\"type\":\"progress\"}");
    ServerMessage.ProtocolError error = w.await(ServerMessage.ProtocolError.class, WAIT);
    assertEquals("malformed_message", error.code());
    assertFalse(error.fatal());
    String runId = queue("");
    assertEquals(runId, w.await(ServerMessage.Lease.class, WAIT).runId());
  }

  @Test
  void frameOverTheLimitClosesWith1009() {
    start(DispatchSettings.defaults().withMaxFrameBytes(4096));
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    w.sendText("{\"type\":\"heartbeat\",\"pad\":\"" + "x".repeat(10_000) + "\"}");
    assertEquals(1009, w.closeCode.orTimeout(5, TimeUnit.SECONDS).join());
  }

  @Test
  void apiKeyAndMissingTokenAreRefusedOnTheWorkerEndpointAndWorkerTokenOnApi() throws Exception {
    start(DispatchSettings.defaults());
    for (String bad : new String[] {key, null, "wt_nope"}) {
      CompletionException e = assertThrows(CompletionException.class,
          () -> ScriptedWorker.open(server.port(), bad).join());
      WebSocketHandshakeException refused = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
      assertEquals(401, refused.getResponse().statusCode());
      assertEquals("Bearer", refused.getResponse().headers().firstValue("WWW-Authenticate").orElse(null));
    }
    HttpResponse<String> api = client.send(HttpRequest.newBuilder(URI.create(base() + "/api/deployments"))
        .header("Authorization", "Bearer " + token).build(), BodyHandlers.ofString());
    assertEquals(401, api.statusCode());
  }

  // ---- dispatch and the run record ----

  @Test
  void queuedRunIsLeasedAtOnceAndMessagesMoveTheRecord() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    String workerId = w.hello("host-1", CPU, List.of()).workerId();
    long before = System.nanoTime();
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    double latencyMs = (System.nanoTime() - before) / 1e6;
    System.out.printf("queue -> lease latency: %.1f ms (queue request included)%n", latencyMs);
    assertTrue(latencyMs < 1000, "lease took " + latencyMs + " ms");
    assertEquals(runId, lease.runId());
    assertEquals(1, lease.attempt());
    assertEquals(3, lease.maxAttempts());
    assertEquals("cpu0", lease.slotId());
    assertFalse(lease.resumed());
    assertNull(lease.gpu());
    assertTrue(lease.workflowApi().has("1"));
    assertTrue(lease.timeoutMs() > 55_000 && lease.timeoutMs() <= 60_000, "timeout " + lease.timeoutMs());
    assertEquals("/worker/v1/runs/" + runId + "/outputs/{filename}?lease=" + lease.leaseId(), lease.uploadUrl());
    JsonNode started = run(runId);
    assertEquals("started", started.get("status").asText());
    assertEquals(workerId, started.get("machine_id").asText());
    assertEquals(lease.leaseId(), started.get("gpu_event_id").asText());
    assertEquals("CPU", started.get("gpu").asText());

    w.send(new WorkerMessage.LeaseAck(lease.leaseId(), runId, lease.fencingToken()));
    w.send(new WorkerMessage.NodeStarted(lease.leaseId(), runId, lease.fencingToken(), "2", "ImageBlur", 1, 3));
    awaitField(runId, "status", "running");
    assertEquals("Executing ImageBlur (2/3)", run(runId).get("live_status").asText());
    w.send(new WorkerMessage.Progress(lease.leaseId(), runId, lease.fencingToken(), 0.45,
        "Executing ImageBlur (2/3) step 17/40", "2", 17, 40));
    awaitField(runId, "live_status", "Executing ImageBlur (2/3) step 17/40");
    assertEquals(0.45, run(runId).get("progress").asDouble(), 1e-9);
    w.send(new WorkerMessage.NodeFinished(lease.leaseId(), runId, lease.fencingToken(), "2", "ImageBlur", 12.5));
    assertEquals(201, upload(lease, "out_00001_.png", new byte[] {1, 2, 3}).statusCode());
    w.send(new WorkerMessage.RunFinished(lease.leaseId(), runId, lease.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(new OutputSummary("3", "SaveImage", List.of(new OutputImage("out_00001_.png", "", "output"),
            new OutputImage("never_uploaded.png", "", "output")), List.of())), 180.0));
    awaitField(runId, "status", "success");
    JsonNode done = run(runId);
    assertEquals(1.0, done.get("progress").asDouble());
    JsonNode images = done.at("/outputs/0/data/images");
    assertEquals(1, images.size(), "a listed file the server never stored is left out: " + images);
    assertEquals("out_00001_.png", images.get(0).get("filename").asText());
    String url = images.get(0).get("url").asText();
    assertTrue(url.startsWith(base() + "/outputs/" + runId + "/out_00001_.png?expires="), url);
    HttpResponse<byte[]> file = client.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofByteArray());
    assertEquals(200, file.statusCode());
    assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), List.of(file.body()[0], file.body()[1], file.body()[2]));

    // The slot is free again: the next run goes to it at once.
    String next = queue("");
    assertEquals(next, w.await(ServerMessage.Lease.class, WAIT).runId());
    assertTrue(metrics.scrape().contains("gpu_agent_workers_connected 1"), metrics.scrape());
    assertTrue(metrics.scrape().contains("gpu_agent_dispatch_latency_seconds_count"));
  }

  @Test
  void liveMetricsAfterADispatchPassPromtool() throws Exception {
    start(DispatchSettings.defaults());
    metrics.bindJvm();
    metrics.buildInfo("0.1.0-test");
    ScriptedWorker w = worker();
    w.hello("host-1", List.of(SlotInfo.cpu("cpu0"), SlotInfo.gpu("gpu0", "H100", 0, "GPU-1", 80L << 30)), List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    assertEquals(runId, lease.runId());
    queue(",\"gpu\":\"A100\""); // waits: no A100 slot
    HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(URI.create(base() + "/metrics")).build(),
        BodyHandlers.ofString());
    assertEquals(200, scrape.statusCode());
    String text = scrape.body();
    for (String line : List.of("gpu_agent_workers_connected 1", "gpu_agent_worker_slots 2",
        "gpu_agent_dispatch_latency_seconds_count 1", "gpu_agent_dispatch_queue_depth{gpu=\"A100\"} 1")) {
      assertTrue(text.contains(line), line + " missing from\n" + text);
    }
    var promtool = dev.gpuagent.metrics.Promtool.find();
    if (promtool.isEmpty()) {
      System.out.println("DispatchEndToEndTest: promtool not on PATH, `promtool check metrics` skipped");
      return;
    }
    var result = dev.gpuagent.metrics.Promtool.check(promtool.get(), text);
    assertEquals(0, result.exitCode(), result.output() + "\n--- /metrics ---\n" + text);
  }

  @Test
  void failedRunRecordsTheError() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    w.send(new WorkerMessage.RunFinished(lease.leaseId(), runId, lease.fencingToken(), RunOutcome.FAILED,
        new RunError("2", "ImageBlur", "out of memory", "out_of_memory"), List.of(), 40.0));
    awaitField(runId, "status", "failed");
    assertEquals("out of memory", run(runId).get("live_status").asText());
  }

  @Test
  void staleFencingTokenAndUnknownLeaseAreAbandoned() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    w.send(new WorkerMessage.Progress(lease.leaseId(), runId, lease.fencingToken() + 1, 0.9, "stale", null, 0, 0));
    ServerMessage.Abandon abandon = w.await(ServerMessage.Abandon.class, WAIT);
    assertEquals("token_mismatch", abandon.reason());
    assertEquals(lease.leaseId(), abandon.leaseId());
    w.send(new WorkerMessage.RunFinished("no-such-lease", runId, lease.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 1.0));
    assertEquals("unknown_lease", w.await(ServerMessage.Abandon.class, WAIT).reason());
    JsonNode record = run(runId);
    assertEquals("started", record.get("status").asText());
    assertEquals(0.0, record.get("progress").asDouble());
    // The real lease still works.
    w.send(new WorkerMessage.RunFinished(lease.leaseId(), runId, lease.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 1.0));
    awaitField(runId, "status", "success");
    w.send(new WorkerMessage.Progress(lease.leaseId(), runId, lease.fencingToken(), 0.5, null, null, 0, 0));
    assertEquals("lease_closed", w.await(ServerMessage.Abandon.class, WAIT).reason());
  }

  @Test
  void cancelIsPushedToTheWorkerAndItsConfirmationFreesTheSlot() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    w.send(new WorkerMessage.LeaseAck(lease.leaseId(), runId, lease.fencingToken()));
    String second = queue("");
    assertNull(w.poll(ServerMessage.Lease.class, Duration.ofMillis(300)), "one slot holds one lease");
    long before = System.nanoTime();
    assertEquals(200, post("/api/run/" + runId + "/cancel", "").statusCode());
    ServerMessage.Cancel cancel = w.await(ServerMessage.Cancel.class, WAIT);
    System.out.printf("cancel -> push latency: %.1f ms%n", (System.nanoTime() - before) / 1e6);
    assertEquals(CancelReason.CANCELLED, cancel.reason());
    assertEquals(lease.leaseId(), cancel.leaseId());
    assertEquals(lease.fencingToken(), cancel.fencingToken());
    // Until the worker confirms, the slot stays busy.
    assertNull(w.poll(ServerMessage.Lease.class, Duration.ofMillis(300)));
    w.send(new WorkerMessage.RunFinished(lease.leaseId(), runId, lease.fencingToken(), RunOutcome.CANCELLED,
        new RunError("2", "ImageBlur", "cancelled at step 3/40", "cancelled"), List.of(), 10.0));
    assertEquals(second, w.await(ServerMessage.Lease.class, WAIT).runId());
    assertEquals("cancelled", run(runId).get("status").asText());
  }

  /** A worker speaking {@code version} with one CPU slot, two runs queued, the first leased and acknowledged. */
  private record TwoQueued(ScriptedWorker w, String first, String second, ServerMessage.Lease a) {}

  private TwoQueued twoQueuedOnOneSlot(int version) throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    assertEquals(version, w.hello(version, "host-1", CPU, List.of(), WAIT).protocolVersion());
    String first = queue("");
    String second = queue("");
    ServerMessage.Lease a = w.await(ServerMessage.Lease.class, WAIT);
    assertEquals(first, a.runId());
    w.send(new WorkerMessage.LeaseAck(a.leaseId(), first, a.fencingToken()));
    return new TwoQueued(w, first, second, a);
  }

  @Test
  void fromVersion2UploadingFreesTheSlotWhileTheLeaseStaysOpenUntilRunFinished() throws Exception {
    TwoQueued q = twoQueuedOnOneSlot(2);
    ScriptedWorker w = q.w();
    String first = q.first();
    String second = q.second();
    ServerMessage.Lease a = q.a();
    assertNull(w.poll(ServerMessage.Lease.class, Duration.ofMillis(300)), "the slot runs one graph at a time");

    w.send(new WorkerMessage.Uploading(a.leaseId(), first, a.fencingToken(), 1));
    ServerMessage.Lease b = w.await(ServerMessage.Lease.class, WAIT);
    assertEquals(second, b.runId());
    assertEquals("cpu0", b.slotId());
    awaitField(first, "status", "uploading");
    // The first lease is still open: its upload is taken and its finish recorded.
    assertEquals(201, upload(a, "a_00001_.png", new byte[] {7}).statusCode());
    w.send(new WorkerMessage.RunFinished(a.leaseId(), first, a.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(new OutputSummary("3", "SaveImage", List.of(new OutputImage("a_00001_.png", "", "output")), List.of())),
        20.0));
    awaitField(first, "status", "success");
    assertEquals("a_00001_.png", run(first).at("/outputs/0/data/images/0/filename").asText());
    assertEquals("started", run(second).get("status").asText(), "the finish of the first left the second alone");

    // A finish of a lease that had left its slot does not free the slot under the second lease.
    String third = queue("");
    assertNull(w.poll(ServerMessage.Lease.class, Duration.ofMillis(300)), "cpu0 still runs the second graph");
    w.send(new WorkerMessage.RunFinished(b.leaseId(), second, b.fencingToken(), RunOutcome.SUCCESS, null, List.of(), 5.0));
    assertEquals(third, w.await(ServerMessage.Lease.class, WAIT).runId());
  }

  @Test
  void aVersion1WorkerKeepsItsSlotUntilRunFinished() throws Exception {
    TwoQueued q = twoQueuedOnOneSlot(1);
    ServerMessage.Lease a = q.a();
    q.w().send(new WorkerMessage.Uploading(a.leaseId(), q.first(), a.fencingToken(), 1));
    awaitField(q.first(), "status", "uploading");
    assertNull(q.w().poll(ServerMessage.Lease.class, Duration.ofMillis(300)), "version 1: uploading keeps the slot");
    q.w().send(new WorkerMessage.RunFinished(a.leaseId(), q.first(), a.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 9.0));
    assertEquals(q.second(), q.w().await(ServerMessage.Lease.class, WAIT).runId());
  }

  @Test
  void aResumeListsAnUploadingLeaseBesideTheLeaseRunningOnItsSlot() throws Exception {
    TwoQueued q = twoQueuedOnOneSlot(2);
    ScriptedWorker first = q.w();
    String uploadingRun = q.first();
    String runningRun = q.second();
    ServerMessage.Lease a = q.a();
    first.send(new WorkerMessage.Uploading(a.leaseId(), uploadingRun, a.fencingToken(), 1));
    ServerMessage.Lease b = first.await(ServerMessage.Lease.class, WAIT);
    assertEquals(runningRun, b.runId());
    first.abort();

    ScriptedWorker again = worker();
    again.hello(2, "host-1", CPU, List.of(
        new LeaseRef(a.leaseId(), a.runId(), a.fencingToken(), "cpu0", true),
        new LeaseRef(b.leaseId(), b.runId(), b.fencingToken(), "cpu0", false)), WAIT);
    ServerMessage.Lease resumedA = again.await(ServerMessage.Lease.class, WAIT);
    ServerMessage.Lease resumedB = again.await(ServerMessage.Lease.class, WAIT);
    assertEquals(List.of(a.leaseId(), b.leaseId()), List.of(resumedA.leaseId(), resumedB.leaseId()));
    assertTrue(resumedA.resumed() && resumedB.resumed());
    assertNull(again.poll(ServerMessage.Abandon.class, Duration.ofMillis(200)), "both leases kept");
    again.send(new WorkerMessage.RunFinished(a.leaseId(), uploadingRun, a.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 30.0));
    again.send(new WorkerMessage.RunFinished(b.leaseId(), runningRun, b.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 30.0));
    awaitField(uploadingRun, "status", "success");
    awaitField(runningRun, "status", "success");
  }

  @Test
  void aResumedUploadingLeaseWhoseUploadingWasLostFreesItsSlot() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker first = worker();
    first.hello(2, "host-1", CPU, List.of(), WAIT);
    String uploadingRun = queue("");
    ServerMessage.Lease a = first.await(ServerMessage.Lease.class, WAIT);
    first.abort(); // the uploading frame never left

    ScriptedWorker again = worker();
    again.hello(2, "host-1", CPU, List.of(new LeaseRef(a.leaseId(), a.runId(), a.fencingToken(), "cpu0", true)),
        WAIT);
    assertTrue(again.await(ServerMessage.Lease.class, WAIT).resumed());
    String next = queue("");
    ServerMessage.Lease leased = again.await(ServerMessage.Lease.class, WAIT);
    assertEquals(next, leased.runId(), "the resumed uploading lease does not hold cpu0");
    assertFalse(leased.resumed());
    assertEquals("started", run(uploadingRun).get("status").asText());
  }

  @Test
  void aLateLeaseAckRenewsTheLease() throws Exception {
    start(DispatchSettings.defaults().withHeartbeat(Duration.ofMillis(300), Duration.ofMillis(1000))
        .withSweepInterval(Duration.ofMillis(50)));
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    w.heartbeatEvery(Duration.ofMillis(100), List.of()); // alive, but renewing nothing
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    long received = System.nanoTime();
    Thread.sleep(400); // past a tenth of the TTL: this ack renews (a prompt one leaves the expiry as it is)
    w.send(new WorkerMessage.LeaseAck(lease.leaseId(), runId, lease.fencingToken()));
    Thread.sleep(Math.max(0, 1200 - (System.nanoTime() - received) / 1_000_000));
    assertEquals(lease.leaseId(), run(runId).get("gpu_event_id").asText(),
        "renewed to about 1.4 s after the lease was sent, so still the first lease");
    // No heartbeat lists it: it expires a TTL after the ack, and the freed slot gets the run again.
    ServerMessage.Lease again = w.await(ServerMessage.Lease.class, WAIT);
    assertEquals(2, again.attempt());
    assertTrue((System.nanoTime() - received) / 1_000_000 >= 1350, "expired before a TTL after the ack");
  }

  @Test
  void expiredLeaseIsRequeuedAsAttempt2AndLeasedToAnotherWorker() throws Exception {
    start(DispatchSettings.defaults().withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(600))
        .withSweepInterval(Duration.ofMillis(100)));
    ScriptedWorker first = worker();
    first.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = first.await(ServerMessage.Lease.class, WAIT);
    first.send(new WorkerMessage.LeaseAck(lease.leaseId(), runId, lease.fencingToken()));
    assertEquals(201, upload(lease, "partial.png", new byte[] {9}).statusCode());
    Path leaseFile = dir.resolve("data/outputs")
        .resolve(OutputFiles.storageKey(java.util.UUID.fromString(runId), lease.fencingToken(), "partial.png"));
    assertTrue(Files.exists(leaseFile));
    first.abort();
    ScriptedWorker second = worker();
    String secondId = second.hello("host-2", CPU, List.of()).workerId();
    second.heartbeatEvery(Duration.ofMillis(100), List.of());
    ServerMessage.Lease retry = second.await(ServerMessage.Lease.class, WAIT);
    awaitGone(leaseFile);
    assertEquals(runId, retry.runId());
    assertEquals(2, retry.attempt());
    assertTrue(retry.fencingToken() > lease.fencingToken());
    assertNotEquals(lease.leaseId(), retry.leaseId());
    JsonNode record = run(runId);
    assertEquals(secondId, record.get("machine_id").asText());
    assertEquals("started", record.get("status").asText());
  }

  @Test
  void leaseExpiringOnItsLastAttemptFailsTheRunAsWorkerLost() throws Exception {
    metrics = Metrics.prometheus();
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"), Path.of("..", "config",
        "deployments"), "default", 1 << 20, 8, null, 3600, 1 << 20, 10_000, 30_000, 50, 2), metrics,
        NodeRegistry.standard(), run -> {}, DispatchSettings.defaults().withHeartbeat(Duration.ofMillis(200),
            Duration.ofMillis(600)).withSweepInterval(Duration.ofMillis(100)), Clock.systemUTC());
    key = server.identity().createApiKey(server.organisation().id(), "test").plaintext();
    token = server.identity().createWorkerToken("worker").plaintext();
    String runId = queue("");
    for (int attempt = 1; attempt <= 2; attempt++) {
      ScriptedWorker w = worker();
      w.hello("host-" + attempt, CPU, List.of());
      ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
      assertEquals(attempt, lease.attempt());
      assertEquals(2, lease.maxAttempts(), "max_attempts comes from the server settings");
      if (attempt == 1) {
        assertEquals(runId, lease.runId());
        w.abort();
        awaitField(runId, "live_status", "re-queued after the worker was lost (attempt 2 of 2)");
        assertEquals("queued", run(runId).get("status").asText());
      } else {
        w.abort();
      }
    }
    awaitField(runId, "status", "failed");
    assertEquals("worker lost: the lease expired on 2 attempts", run(runId).get("live_status").asText());
    assertEquals("{\"type\": \"lease_expired\", \"message\": \"worker lost: the lease expired on 2 attempts\"}",
        server.stores().runs().find(java.util.UUID.fromString(runId)).orElseThrow().error());
  }

  @Test
  void gpuTypedRunWaitsForAWorkerOfThatType() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker cpu = worker();
    cpu.hello("cpu-host", CPU, List.of());
    String runId = queue(",\"gpu\":\"H100\"");
    assertNull(cpu.poll(ServerMessage.Lease.class, Duration.ofMillis(500)), "a CPU slot must not take an H100 run");
    assertTrue(metrics.scrape().contains("gpu_agent_dispatch_queue_depth{gpu=\"H100\"} 1"), metrics.scrape());
    ScriptedWorker gpu = worker();
    gpu.hello("gpu-host", H100, List.of());
    ServerMessage.Lease lease = gpu.await(ServerMessage.Lease.class, WAIT);
    assertEquals(runId, lease.runId());
    assertEquals("H100", lease.gpu());
    assertEquals("gpu0", lease.slotId());
    assertEquals("H100", run(runId).get("gpu").asText());
  }

  @Test
  void runTimeoutPushesCancelWithReasonTimeout() throws Exception {
    Path deployments = Files.createDirectories(dir.resolve("deployments"));
    String quick = Files.readString(Path.of("..", "config", "deployments", "showcase_quick.json"))
        .replace("\"run_timeout_s\": 60", "\"run_timeout_s\": 1");
    Files.writeString(deployments.resolve("quick.json"), quick);
    start(DispatchSettings.defaults().withSweepInterval(Duration.ofMillis(100)), deployments);
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    assertTrue(lease.timeoutMs() <= 1000);
    ServerMessage.Cancel cancel = w.await(ServerMessage.Cancel.class, WAIT);
    assertEquals(CancelReason.TIMEOUT, cancel.reason());
    assertEquals("timeout", run(runId).get("status").asText());
  }

  @Test
  void releasedLeaseIsRequeuedWithoutCountingAnAttemptAndDrainingWorkersGetNoLeases() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    assertEquals(201, upload(lease, "partial.png", new byte[] {9}).statusCode());
    Path leaseFile = dir.resolve("data/outputs")
        .resolve(OutputFiles.storageKey(java.util.UUID.fromString(runId), lease.fencingToken(), "partial.png"));
    assertTrue(Files.exists(leaseFile));
    w.send(new WorkerMessage.DrainStarted(300_000, "signal"));
    w.send(new WorkerMessage.LeaseReleased(lease.leaseId(), runId, lease.fencingToken(), "shutdown"));
    awaitField(runId, "status", "queued");
    assertEquals("re-queued: worker shutting down", run(runId).get("live_status").asText());
    awaitGone(leaseFile);
    assertNull(w.poll(ServerMessage.Lease.class, Duration.ofMillis(300)), "a draining worker gets no lease");
    ScriptedWorker other = worker();
    other.hello("host-2", CPU, List.of());
    ServerMessage.Lease again = other.await(ServerMessage.Lease.class, WAIT);
    assertEquals(runId, again.runId());
    assertEquals(1, again.attempt());
    JsonNode requeued = run(runId);
    assertEquals("started", requeued.get("status").asText());
    assertTrue(again.fencingToken() > lease.fencingToken());
  }

  @Test
  void heartbeatsKeepALeaseAliveAndSilentWorkersAreClosed() throws Exception {
    start(DispatchSettings.defaults().withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(600))
        .withSweepInterval(Duration.ofMillis(100)));
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    w.heartbeatEvery(Duration.ofMillis(100),
        List.of(new LeaseRef(lease.leaseId(), runId, lease.fencingToken(), lease.slotId())));
    Thread.sleep(1500);
    assertEquals("started", run(runId).get("status").asText(), "renewed by heartbeats past 2 TTLs");
    assertNull(w.poll(ServerMessage.Abandon.class, Duration.ZERO));
    ScriptedWorker silent = worker();
    silent.hello("host-2", CPU, List.of());
    assertEquals(4002, silent.closeCode.orTimeout(5, TimeUnit.SECONDS).join());
  }

  // ---- resume ----

  @Test
  void reconnectResumesListedLeasesAndExpiresTheOthers() throws Exception {
    start(DispatchSettings.defaults());
    ScriptedWorker first = worker();
    first.hello("host-1", List.of(SlotInfo.cpu("cpu0"), SlotInfo.cpu("cpu1")), List.of());
    String a = queue("");
    String b = queue("");
    ServerMessage.Lease la = first.await(ServerMessage.Lease.class, WAIT);
    ServerMessage.Lease lb = first.await(ServerMessage.Lease.class, WAIT);
    ServerMessage.Lease keep = la.runId().equals(a) ? la : lb;
    ServerMessage.Lease drop = keep == la ? lb : la;
    first.abort();
    ScriptedWorker again = worker();
    again.hello("host-1", List.of(SlotInfo.cpu("cpu0")), List.of(
        new LeaseRef(keep.leaseId(), keep.runId(), keep.fencingToken(), keep.slotId()),
        new LeaseRef("bogus", keep.runId(), 1, "cpu0")));
    ServerMessage.Lease resumed = again.await(ServerMessage.Lease.class, WAIT);
    assertTrue(resumed.resumed());
    assertEquals(keep.leaseId(), resumed.leaseId());
    assertEquals(keep.fencingToken(), resumed.fencingToken());
    assertEquals("unknown_lease", again.await(ServerMessage.Abandon.class, WAIT).reason());
    awaitField(drop.runId(), "status", "queued"); // the lease not resumed is expired at once, not after the TTL
    assertTrue(run(drop.runId()).get("live_status").asText().contains("attempt 2"));
    assertEquals("started", run(keep.runId()).get("status").asText());
    assertTrue(List.of(a, b).contains(drop.runId()));
  }

  @Test
  void afterARestartAnOverdueLeaseWaitsOneTtlForItsWorkerToResume() throws Exception {
    DispatchSettings quick = DispatchSettings.defaults().withHeartbeat(Duration.ofMillis(300), Duration.ofMillis(1500))
        .withSweepInterval(Duration.ofMillis(100));
    start(quick);
    ScriptedWorker w = worker();
    w.hello("host-1", CPU, List.of());
    String runId = queue("");
    ServerMessage.Lease lease = w.await(ServerMessage.Lease.class, WAIT);
    w.send(new WorkerMessage.LeaseAck(lease.leaseId(), runId, lease.fencingToken()));
    w.abort();
    server.close();
    Thread.sleep(1700); // the lease is past its expiry while the server is down
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"), Path.of("..", "config",
        "deployments"), "default", 1 << 20), Metrics.prometheus(), NodeRegistry.standard(), run -> {}, quick,
        Clock.systemUTC());
    Thread.sleep(300); // three sweeps: without the grace they would re-queue the run
    assertEquals("started", run(runId).get("status").asText());
    ScriptedWorker again = worker();
    again.hello("host-1", CPU, List.of(new LeaseRef(lease.leaseId(), runId, lease.fencingToken(), lease.slotId())));
    ServerMessage.Lease resumed = again.await(ServerMessage.Lease.class, WAIT);
    assertTrue(resumed.resumed());
    assertEquals(lease.fencingToken(), resumed.fencingToken());
    assertEquals(1, resumed.attempt());
    again.send(new WorkerMessage.RunFinished(lease.leaseId(), runId, lease.fencingToken(), RunOutcome.SUCCESS, null,
        List.of(), 1.0));
    awaitField(runId, "status", "success");
  }

  // ---- helpers ----

  private String base() {
    return "http://127.0.0.1:" + server.port();
  }

  private String queue(String extra) {
    try {
      HttpResponse<String> r = post("/api/run/deployment/queue", "{\"deployment_id\":\"" + QUICK + "\"" + extra + "}");
      assertEquals(200, r.statusCode(), r.body());
      return Json.MAPPER.readTree(r.body()).get("run_id").asText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Uploads {@code body} as output {@code name} of the lease, with this test's worker token. */
  private HttpResponse<String> upload(ServerMessage.Lease lease, String name, byte[] body) throws Exception {
    return upload(lease, name, body, token);
  }

  private HttpResponse<String> upload(ServerMessage.Lease lease, String name, byte[] body, String workerToken)
      throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base() + lease.uploadUrl().replace("{filename}", name)))
        .header("Authorization", "Bearer " + workerToken).header("X-Fencing-Token", String.valueOf(lease.fencingToken()))
        .PUT(BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").POST(BodyPublishers.ofString(body)).build(),
        BodyHandlers.ofString());
  }

  private JsonNode run(String runId) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base() + "/api/run/" + runId))
        .header("Authorization", "Bearer " + key).build(), BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return Json.MAPPER.readTree(r.body());
  }

  /** Waits (up to 2 s) for {@code path} to be deleted (a closed lease's files go after its run is re-queued). */
  private static void awaitGone(Path path) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (Files.exists(path) && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertFalse(Files.exists(path), path + " should have been deleted");
  }

  /** Waits (up to 2 s) for the record's {@code field} to read {@code value}. */
  private void awaitField(String runId, String field, String value) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    String seen = null;
    while (System.nanoTime() < end) {
      seen = run(runId).get(field).asText();
      if (value.equals(seen)) {
        return;
      }
      Thread.sleep(10);
    }
    assertEquals(value, seen, field + " of run " + runId);
  }
}
