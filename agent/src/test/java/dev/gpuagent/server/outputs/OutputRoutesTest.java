package dev.gpuagent.server.outputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.protocol.OutputImage;
import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.dispatch.ScriptedWorker;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.webhooks.WebhookSettings;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.http.SignedUrls;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import dev.gpuagent.server.store.StatusUpdate;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads, run record links and signed downloads end to end: a real server on 127.0.0.1, port 0. */
class OutputRoutesTest {
  static final String QUICK = "5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01";
  static final long UPLOAD_LIMIT = 64 * 1024;

  @TempDir Path dir;

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private ControlPlane server;
  private String base;
  private String key;
  private String workerToken;
  private Metrics metrics;
  private ScriptedWorker worker;
  private String workerId;

  @BeforeEach
  void start() {
    ServerSettings settings = new ServerSettings("127.0.0.1", 0, dir.resolve("data"),
        Path.of("..", "config", "deployments"), "default", 1024 * 1024, WebhookSettings.DEFAULT_MAX_ATTEMPTS, null, 3600, UPLOAD_LIMIT);
    metrics = Metrics.prometheus();
    server = ControlPlane.start(settings, metrics, NodeRegistry.standard(), CancelNotifier.NONE, Clock.systemUTC());
    base = "http://127.0.0.1:" + server.port();
    key = server.identity().createApiKey(server.organisation().id(), "test").plaintext();
    workerToken = server.identity().createWorkerToken("worker").plaintext();
    connectWorker();
  }

  /**
   * Uploads are refused unless the lease's worker connected with the upload's token (protocol.md
   * section 6, rule 2): a worker says hello with {@link #workerToken}; it drains at once, so the tests
   * lease runs to its id through the store. The abandon of a bogus progress shows the drain was handled.
   */
  private void connectWorker() {
    worker = ScriptedWorker.connect(server.port(), workerToken);
    workerId = worker.hello("host-1", List.of(SlotInfo.cpu("cpu0")), List.of()).workerId();
    worker.send(new WorkerMessage.DrainStarted(300_000, "test"));
    worker.send(new WorkerMessage.Progress("none", UUID.randomUUID().toString(), 1, 0, null, null, 0, 0));
    worker.await(ServerMessage.Abandon.class, Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    worker.close();
    server.close();
  }

  @Test
  void uploadedPngIsLinkedFromTheRunRecordAndDownloadsWithoutABearer() throws Exception {
    Run run = leasedRun();
    byte[] png = png();
    HttpResponse<String> put = upload(run, "blurred_00001_.png", null, png, "image/png");
    assertEquals(201, put.statusCode(), put.body());
    assertEquals("{\"filename\":\"blurred_00001_.png\",\"subfolder\":\"\",\"size_bytes\":" + png.length + "}",
        put.body());
    finish(run, new OutputSummary("3", "SaveImage", List.of(new OutputImage("blurred_00001_.png", "", "output")),
        List.of()));

    JsonNode outputs = getRun(run.id()).get("outputs");
    assertEquals(1, outputs.size());
    JsonNode node = outputs.get(0);
    assertEquals("{\"node_id\":\"3\",\"class_type\":\"SaveImage\"}", node.get("node_meta").toString());
    assertEquals("[]", node.at("/data/text").toString());
    JsonNode image = node.at("/data/images/0");
    assertEquals("blurred_00001_.png", image.get("filename").asText());
    assertEquals("output", image.get("type").asText());
    String url = image.get("url").asText();
    assertTrue(url.startsWith(base + "/outputs/" + run.id() + "/blurred_00001_.png?expires="), url);

    HttpResponse<byte[]> got = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        BodyHandlers.ofByteArray());
    assertEquals(200, got.statusCode());
    assertEquals("image/png", got.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("nosniff", got.headers().firstValue("X-Content-Type-Options").orElseThrow());
    assertArrayEquals(png, got.body());
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(got.body()));
    assertEquals(3, decoded.getWidth());
    assertEquals(2, decoded.getHeight());
    assertEquals(0xff0000, decoded.getRGB(0, 0) & 0xffffff);
    assertEquals(0x00ff00, decoded.getRGB(1, 0) & 0xffffff);
    assertEquals(0x123456, decoded.getRGB(2, 1) & 0xffffff);

    HttpResponse<Void> head = client.send(HttpRequest.newBuilder(URI.create(url))
        .method("HEAD", BodyPublishers.noBody()).build(), BodyHandlers.discarding());
    assertEquals(200, head.statusCode());
    assertEquals(String.valueOf(png.length), head.headers().firstValue("Content-Length").orElseThrow());
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("gpu_agent_output_uploads_total{outcome=\"stored\"} 1.0"), scrape);
    assertTrue(scrape.contains("gpu_agent_output_size_bytes_count 1"), scrape);
  }

  @Test
  void eachGetOfTheRunSignsItsLinksAfresh() throws Exception {
    Run run = leasedRun();
    assertEquals(201, upload(run, "a.png", null, png(), "image/png").statusCode());
    finish(run, new OutputSummary("3", "SaveImage", List.of(new OutputImage("a.png", "", "output")), List.of()));
    String first = getRun(run.id()).at("/outputs/0/data/images/0/url").asText();
    Thread.sleep(1100);
    String second = getRun(run.id()).at("/outputs/0/data/images/0/url").asText();
    assertFalse(first.equals(second), "the expiry moves with each read");
    assertEquals(200, download(second).statusCode());
  }

  @Test
  void subfolderAndEncodedNamesRoundTrip() throws Exception {
    Run run = leasedRun();
    byte[] text = "résumé".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> put = upload(run, "r%C3%A9sum%C3%A9%20final.txt", "batch%2Fday%201", text, null);
    assertEquals(201, put.statusCode(), put.body());
    assertEquals("{\"filename\":\"résumé final.txt\",\"subfolder\":\"batch/day 1\",\"size_bytes\":" + text.length + "}",
        put.body());
    finish(run, new OutputSummary("7", "SaveText", List.of(new OutputImage("résumé final.txt", "batch/day 1", "output"),
        new OutputImage("never-uploaded.png", "", "output")), List.of("hello")));
    JsonNode node = getRun(run.id()).at("/outputs/0");
    assertEquals(1, node.at("/data/images").size(), "a file the server never got is left out");
    assertEquals("[\"hello\"]", node.at("/data/text").toString());
    String url = node.at("/data/images/0/url").asText();
    assertTrue(url.startsWith(base + "/outputs/" + run.id() + "/batch/day%201/r%C3%A9sum%C3%A9%20final.txt?"), url);
    HttpResponse<byte[]> got = download(url);
    assertEquals(200, got.statusCode());
    assertEquals("application/octet-stream", got.headers().firstValue("Content-Type").orElseThrow());
    assertArrayEquals(text, got.body());
  }

  @Test
  void retriedUploadReplacesTheFile() throws Exception {
    Run run = leasedRun();
    assertEquals(201, upload(run, "x.bin", null, new byte[] {1, 2, 3}, null).statusCode());
    assertEquals(201, upload(run, "x.bin", null, new byte[] {4, 5}, null).statusCode());
    String url = server.stores().outputs().list(run.id()).size() == 1
        ? links().url(run.id(), "", "x.bin") : "";
    assertArrayEquals(new byte[] {4, 5}, download(url).body());
  }

  @Test
  void staleFencingTokenIs409AndStoresNothing() throws Exception {
    Run run = leasedRun();
    HttpResponse<String> put = upload(run.id(), run.gpuEventId(), run.fencingToken() - 1, "a.png", null, png(), null);
    assertAnswer(409, "{\"detail\":\"fencing token " + (run.fencingToken() - 1)
        + " is not the lease's (token_mismatch)\"}", put);
    assertTrue(server.stores().outputs().list(run.id()).isEmpty());
  }

  @Test
  void theOldLeaseOfAReQueuedRunIs409AndItsFilesAreNotTheNewLeases() throws Exception {
    Run first = leasedRun();
    assertEquals(201, upload(first, "a.png", null, png(), "image/png").statusCode());
    assertTrue(server.stores().runs().release(first.id(), first.fencingToken(), "shutdown")
        instanceof dev.gpuagent.server.store.Transition.Applied);
    Run second = server.stores().runs().claimNext(List.of("H100"), workerId, Duration.ofSeconds(30)).orElseThrow();
    assertEquals(first.id(), second.id());
    HttpResponse<String> old = upload(first, "b.png", null, png(), "image/png");
    assertAnswer(409, "{\"detail\":\"lease " + first.gpuEventId()
        + " is not the run's current lease (unknown_lease)\"}", old);
    assertEquals(201, upload(second, "c.png", null, png(), "image/png").statusCode());
    assertEquals(Set.of("c.png"), OutputRecords.storedUnder(server.stores().outputs(), second.id(), second.fencingToken()));
    assertEquals(Set.of(), OutputRecords.storedUnder(server.stores().outputs(), first.id(), first.fencingToken()),
        "the run's listing shows its latest attempt only");
    assertEquals(404, download(links().url(first.id(), "", "a.png")).statusCode(), "the old attempt's file is not served");
  }

  @Test
  void uploadWithATokenTheLeasesWorkerDidNotConnectWithIs409() throws Exception {
    Run run = leasedRun();
    String other = server.identity().createWorkerToken("other").plaintext();
    String saved = workerToken;
    workerToken = other;
    HttpResponse<String> put = upload(run, "a.png", null, png(), "image/png");
    workerToken = saved;
    assertAnswer(409, "{\"detail\":\"lease " + run.gpuEventId()
        + " was not granted to this worker token (unknown_lease)\"}", put);
    assertTrue(server.stores().outputs().list(run.id()).isEmpty());
    assertEquals(201, upload(run, "a.png", null, png(), "image/png").statusCode());
  }

  @Test
  void anotherRunsLeaseIs409() throws Exception {
    Run first = leasedRun();
    Run second = leasedRun();
    HttpResponse<String> put = upload(first.id(), second.gpuEventId(), second.fencingToken(), "a.png", null, png(), null);
    assertAnswer(409, "{\"detail\":\"lease " + second.gpuEventId()
        + " is not the run's current lease (unknown_lease)\"}", put);
    assertTrue(server.stores().outputs().list(first.id()).isEmpty());
  }

  @Test
  void uploadToACancelledRunIs409() throws Exception {
    Run run = leasedRun();
    HttpResponse<String> cancel = client.send(HttpRequest.newBuilder(URI.create(base + "/api/run/" + run.id() + "/cancel"))
        .header("Authorization", "Bearer " + key).POST(BodyPublishers.noBody()).build(), BodyHandlers.ofString());
    assertEquals(200, cancel.statusCode());
    assertAnswer(409, "{\"detail\":\"run is already cancelled\"}", upload(run, "a.png", null, png(), null));
  }

  @Test
  void badNamesAndMissingLeaseOrTokenAre400() throws Exception {
    Run run = leasedRun();
    assertAnswer(400, "{\"detail\":\"filename must not start with a dot\"}", upload(run, ".hidden", null, png(), null));
    assertAnswer(400, "{\"detail\":\"filename must not contain '/', '\\\\' or control characters\"}",
        upload(run, "a%5Cb.png", null, png(), null));
    assertEquals(400, upload(run, "a%2Fb.png", null, png(), null).statusCode());
    assertEquals(400, upload(run, "a.png", "..%2Fescape", png(), null).statusCode());
    assertEquals(400, upload(run.id(), null, run.fencingToken(), "a.png", null, png(), null).statusCode());
    HttpResponse<String> noToken = client.send(HttpRequest.newBuilder(URI.create(base + "/worker/v1/runs/" + run.id()
        + "/outputs/a.png?lease=" + run.gpuEventId())).header("Authorization", "Bearer " + workerToken)
        .PUT(BodyPublishers.ofByteArray(png())).build(), BodyHandlers.ofString());
    assertAnswer(400, "{\"detail\":\"the X-Fencing-Token header is required\"}", noToken);
    assertTrue(server.stores().outputs().list(run.id()).isEmpty());
  }

  @Test
  void unknownOrMalformedRunIs404() throws Exception {
    Run run = leasedRun();
    assertAnswer(404, "{\"detail\":\"Run not found\"}",
        upload(UUID.randomUUID(), run.gpuEventId(), run.fencingToken(), "a.png", null, png(), null));
    HttpResponse<String> malformed = client.send(HttpRequest.newBuilder(URI.create(base
        + "/worker/v1/runs/not-a-uuid/outputs/a.png?lease=x")).header("Authorization", "Bearer " + workerToken)
        .header("X-Fencing-Token", "1").PUT(BodyPublishers.ofByteArray(png())).build(), BodyHandlers.ofString());
    assertAnswer(404, "{\"detail\":\"Run not found\"}", malformed);
  }

  @Test
  void apiKeyAndMissingTokenAre401() throws Exception {
    Run run = leasedRun();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/worker/v1/runs/" + run.id()
        + "/outputs/a.png?lease=" + run.gpuEventId())).header("X-Fencing-Token", String.valueOf(run.fencingToken()))
        .PUT(BodyPublishers.ofByteArray(png()));
    HttpResponse<String> withKey = client.send(request.copy().header("Authorization", "Bearer " + key).build(),
        BodyHandlers.ofString());
    assertAnswer(401, "{\"detail\":\"Invalid authentication credentials\"}", withKey);
    HttpResponse<String> without = client.send(request.build(), BodyHandlers.ofString());
    assertAnswer(401, "{\"detail\":\"Not authenticated\"}", without);
    assertTrue(server.stores().outputs().list(run.id()).isEmpty());
  }

  @Test
  void uploadOverTheLimitIs413AndStoresNothing() throws Exception {
    Run run = leasedRun();
    HttpResponse<String> put = upload(run, "big.bin", null, new byte[(int) UPLOAD_LIMIT + 1], null);
    assertAnswer(413, "{\"detail\":\"output file exceeds the limit of " + UPLOAD_LIMIT + " bytes\"}", put);
    assertEquals(201, upload(run, "fits.bin", null, new byte[(int) UPLOAD_LIMIT], null).statusCode());
    assertEquals(1, server.stores().outputs().list(run.id()).size());
    try (var files = Files.walk(dir.resolve("data/outputs"))) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".upload-")), "no temporary file left");
    }
  }

  @Test
  void aSpooledUploadRecordsTheSizeAndSha256OfItsFileAndLeavesNoOtherFile() throws Exception {
    Run run = leasedRun();
    byte[] sized = new byte[40 * 1024];
    new java.util.Random(11).nextBytes(sized);
    byte[] chunked = new byte[(int) UPLOAD_LIMIT];
    new java.util.Random(12).nextBytes(chunked);
    assertEquals(201, upload(run, "a.bin", "sub", sized, null).statusCode());
    assertEquals(201, uploadChunked(run, "b.bin", chunked).statusCode());
    assertEquals(413, uploadChunked(run, "c.bin", new byte[(int) UPLOAD_LIMIT + 1]).statusCode());
    Path root = dir.resolve("data/outputs");
    List<dev.gpuagent.server.store.RunOutput> rows = server.stores().outputs().list(run.id());
    assertEquals(2, rows.size());
    for (var row : rows) {
      Path file = root.resolve(row.storageKey());
      assertEquals(Files.size(file), row.sizeBytes(), row.filename());
      assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(Files.readAllBytes(file))), row.sha256(), row.filename());
    }
    String lease = run.id() + ".t" + run.fencingToken();
    try (var walk = Files.walk(root)) {
      Path shard = root.resolve(OutputFiles.shard(run.id()));
      assertEquals(Set.of(shard.resolve(lease + "/sub/a.bin"), shard.resolve(lease + ".b.bin")),
          Set.copyOf(walk.filter(Files::isRegularFile).toList()), "nothing in .spool or the run's folder but the files");
    }
  }

  @Test
  void uploadsStreamPastTheBodyLimitAndAChunkedBodyOverTheUploadLimitIs413() throws Exception {
    worker.close();
    server.close();
    int bodyLimit = 16 * 1024;
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"), Path.of("..", "config",
        "deployments"), "default", bodyLimit, WebhookSettings.DEFAULT_MAX_ATTEMPTS, null, 3600, UPLOAD_LIMIT),
        metrics, NodeRegistry.standard(), CancelNotifier.NONE, Clock.systemUTC());
    base = "http://127.0.0.1:" + server.port();
    connectWorker();
    Run run = leasedRun();
    byte[] big = new byte[48 * 1024];
    new java.util.Random(7).nextBytes(big);
    assertEquals(201, upload(run, "big.bin", null, big, null).statusCode(), "past max_body_bytes: streamed to disk");
    assertArrayEquals(big, download(links().url(run.id(), "", "big.bin")).body());
    HttpResponse<String> chunked = uploadChunked(run, "chunked.bin", new byte[(int) UPLOAD_LIMIT]);
    assertEquals(201, chunked.statusCode(), chunked.body());
    assertAnswer(413, "{\"detail\":\"output file exceeds the limit of " + UPLOAD_LIMIT + " bytes\"}",
        uploadChunked(run, "over.bin", new byte[(int) UPLOAD_LIMIT + 1]));
    assertEquals(Set.of("big.bin", "chunked.bin"), OutputRecords.storedUnder(server.stores().outputs(), run.id(),
        run.fencingToken()));
    HttpResponse<String> apiBody = client.send(HttpRequest.newBuilder(URI.create(base + "/api/run/deployment/queue"))
        .header("Authorization", "Bearer " + key).POST(BodyPublishers.ofByteArray(new byte[bodyLimit + 1])).build(),
        BodyHandlers.ofString());
    assertAnswer(413, "{\"detail\":\"request body exceeds the limit of " + bodyLimit + " bytes\"}", apiBody);
    try (var left = Files.list(dir.resolve("data/outputs/.spool"))) {
      assertEquals(0, left.count(), "no spooled body is left behind");
    }
  }

  @Test
  void expect100ContinueIsAnsweredBeforeTheBodyAndRefusedAtOnceOverTheLimit() throws Exception {
    Run run = leasedRun();
    String target = "/worker/v1/runs/" + run.id() + "/outputs/%s?lease=" + run.gpuEventId();
    String head = "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + workerToken
        + "\r\nX-Fencing-Token: " + run.fencingToken() + "\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n";
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(String.format(head, "huge.bin", UPLOAD_LIMIT + 1)
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
      assertTrue(answer.endsWith("{\"detail\":\"output file exceeds the limit of " + UPLOAD_LIMIT + " bytes\"}"), answer);
    }
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.UTF_8));
      out.write(String.format(head, "ok.bin", 3).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      assertEquals("HTTP/1.1 100 Continue", in.readLine(), "the body is asked for");
      assertEquals("", in.readLine());
      out.write(new byte[] {1, 2, 3});
      assertTrue(in.readLine().startsWith("HTTP/1.1 201 "));
    }
    assertArrayEquals(new byte[] {1, 2, 3}, download(links().url(run.id(), "", "ok.bin")).body());
  }

  @Test
  void tamperedMissingAndExpiredSignaturesAre403() throws Exception {
    Run run = leasedRun();
    assertEquals(201, upload(run, "a.png", null, png(), "image/png").statusCode());
    assertEquals(201, upload(run, "b.png", null, png(), "image/png").statusCode());
    String url = links().url(run.id(), "", "a.png");
    assertEquals(200, download(url).statusCode());
    String signature = url.substring(url.indexOf("signature=") + "signature=".length());
    String flipped = (signature.charAt(0) == 'A' ? "B" : "A") + signature.substring(1);
    assertAnswer403("invalid URL signature", url.replace(signature, flipped));
    assertAnswer403("invalid URL signature", url.replace("/a.png?", "/b.png?"));
    assertAnswer403("invalid URL signature", url.substring(0, url.indexOf('?')));
    String expiresPart = url.substring(url.indexOf("expires="), url.indexOf('&'));
    long expires = Long.parseLong(expiresPart.substring("expires=".length()));
    assertAnswer403("invalid URL signature", url.replace(expiresPart, "expires=" + (expires + 3600)));

    SignedUrls pastSigner = new SignedUrls(secret(), Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)));
    String expired = base + pastSigner.sign("GET", OutputLinks.rawPath(run.id(), "", "a.png"), Duration.ofHours(1));
    assertAnswer403("signed URL has expired", expired);
  }

  @Test
  void pathTraversalInTheDownloadPathIsRefused() throws Exception {
    Run run = leasedRun();
    assertEquals(201, upload(run, "a.png", null, png(), "image/png").statusCode());
    SignedUrls signer = new SignedUrls(secret(), Clock.systemUTC());
    for (String path : List.of("/outputs/" + run.id() + "/..%2F..%2Fgpu-agent.db",
        "/outputs/" + run.id() + "/%2E%2E/url-signing.key",
        "/outputs/" + run.id() + "/x/../../../gpu-agent.db",
        "/outputs/" + run.id() + "/t" + run.fencingToken() + "/a.png",
        "/outputs/..%2F" + run.id() + "/a.png")) {
      HttpResponse<byte[]> got = download(base + signer.sign("GET", path, Duration.ofMinutes(5)));
      assertEquals(404, got.statusCode(), path);
      assertEquals("{\"detail\":\"Not Found\"}", new String(got.body(), java.nio.charset.StandardCharsets.UTF_8), path);
    }
  }

  @Test
  void signingSecretIsOwnerOnlyAndKeptAcrossRestarts() throws Exception {
    Path file = dir.resolve("data").resolve(OutputLinks.SECRET_FILE);
    byte[] before = Files.readAllBytes(file);
    assertEquals(SignedUrls.MIN_SECRET_BYTES, before.length);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Run run = leasedRun();
    assertEquals(201, upload(run, "a.png", null, png(), "image/png").statusCode());
    String url = links().url(run.id(), "", "a.png");
    server.close();
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"),
        Path.of("..", "config", "deployments"), "default", 1024 * 1024, WebhookSettings.DEFAULT_MAX_ATTEMPTS, null, 3600, UPLOAD_LIMIT),
        Metrics.prometheus(), NodeRegistry.standard(), CancelNotifier.NONE, Clock.systemUTC());
    assertArrayEquals(before, Files.readAllBytes(file));
    String moved = url.replaceFirst("^http://127\\.0\\.0\\.1:\\d+", "http://127.0.0.1:" + server.port());
    assertEquals(200, download(moved).statusCode());
  }

  // ---- helpers ----

  private Run leasedRun() throws Exception {
    HttpResponse<String> queued = client.send(HttpRequest.newBuilder(URI.create(base + "/api/run/deployment/queue"))
        .header("Authorization", "Bearer " + key).POST(BodyPublishers.ofString("{\"deployment_id\":\"" + QUICK + "\"}"))
        .build(), BodyHandlers.ofString());
    assertEquals(200, queued.statusCode(), queued.body());
    UUID runId = UUID.fromString(Json.MAPPER.readTree(queued.body()).get("run_id").asText());
    Run claimed = server.stores().runs().claimNext(List.of("H100"), workerId, Duration.ofSeconds(30)).orElseThrow();
    assertEquals(runId, claimed.id());
    return claimed;
  }

  private void finish(Run run, OutputSummary... outputs) {
    Set<String> stored = OutputRecords.storedUnder(server.stores().outputs(), run.id(), run.fencingToken());
    String record = OutputRecords.toRecord(run.id(), List.of(outputs), stored);
    server.stores().runs().setStatus(StatusUpdate.finish(run.id(), run.fencingToken(), RunStatus.SUCCESS, null,
        record, null));
  }

  private HttpResponse<String> upload(Run run, String encodedName, String encodedSubfolder, byte[] body,
      String contentType) throws Exception {
    return upload(run.id(), run.gpuEventId(), run.fencingToken(), encodedName, encodedSubfolder, body, contentType);
  }

  private HttpResponse<String> upload(UUID runId, String lease, long token, String encodedName,
      String encodedSubfolder, byte[] body, String contentType) throws Exception {
    StringBuilder uri = new StringBuilder(base + "/worker/v1/runs/" + runId + "/outputs/" + encodedName);
    char sep = '?';
    if (lease != null) {
      uri.append(sep).append("lease=").append(lease);
      sep = '&';
    }
    if (encodedSubfolder != null) {
      uri.append(sep).append("subfolder=").append(encodedSubfolder);
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri.toString()))
        .header("Authorization", "Bearer " + workerToken).header("X-Fencing-Token", String.valueOf(token))
        .PUT(BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return client.send(request.build(), BodyHandlers.ofString());
  }

  /** An upload without Content-Length: the body goes chunked. */
  private HttpResponse<String> uploadChunked(Run run, String name, byte[] body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + "/worker/v1/runs/" + run.id() + "/outputs/" + name
        + "?lease=" + run.gpuEventId())).header("Authorization", "Bearer " + workerToken)
        .header("X-Fencing-Token", String.valueOf(run.fencingToken()))
        .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(), BodyHandlers.ofString());
  }

  private JsonNode getRun(UUID runId) throws Exception {
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/api/run/" + runId))
        .header("Authorization", "Bearer " + key).GET().build(), BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body());
  }

  private HttpResponse<byte[]> download(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), BodyHandlers.ofByteArray());
  }

  private void assertAnswer403(String detail, String url) throws Exception {
    HttpResponse<byte[]> got = download(url);
    assertEquals(403, got.statusCode(), url);
    assertEquals("{\"detail\":\"" + detail + "\"}", new String(got.body(), java.nio.charset.StandardCharsets.UTF_8));
  }

  private OutputLinks links() {
    return new OutputLinks(new SignedUrls(secret(), Clock.systemUTC()), () -> base, Duration.ofHours(1));
  }

  private byte[] secret() {
    try {
      return Files.readAllBytes(dir.resolve("data").resolve(OutputLinks.SECRET_FILE));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void assertAnswer(int status, String body, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(body, response.body());
  }

  /** A 3x2 PNG with known pixels. */
  private static byte[] png() throws Exception {
    BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, 0xff0000);
    image.setRGB(1, 0, 0x00ff00);
    image.setRGB(2, 0, 0x0000ff);
    image.setRGB(0, 1, 0xffffff);
    image.setRGB(1, 1, 0x000000);
    image.setRGB(2, 1, 0x123456);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}
