package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.metrics.Promtool;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server end to end over 127.0.0.1 with java.net.http.HttpClient (and raw sockets). */
class HttpApiServerTest {
  private static final String KEY = "gak_test_0123456789abcdef";
  private static final int LIMIT = 1024;
  private static final int HANDLERS = 8;

  @TempDir Path dir;

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final Clock clock = new Clock() {
    @Override public ZoneId getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(ZoneId zone) { return this; }
    @Override public Instant instant() { return now.get(); }
  };
  private final SignedUrls signedUrls = new SignedUrls(SignedUrls.newSecret(), clock);
  private final Metrics metrics = Metrics.prometheus();
  private final CountDownLatch together = new CountDownLatch(HANDLERS);
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private HttpApiServer server;
  private CapturedLogs logs;
  private String base;

  @BeforeEach
  void start() {
    logs = new CapturedLogs(Dispatcher.class);
    Router.Builder routes =
        Router.builder()
            .authenticate("/api", token -> KEY.equals(token) ? Optional.of("org-1") : Optional.empty())
            .post("/api/run/deployment/queue", request -> {
              BodyFields body = BodyFields.of(request);
              UUID deployment = body.requiredUuid("deployment_id");
              body.optionalObject("inputs");
              body.throwIfInvalid();
              return Response.ok(Map.of("run_id", deployment.toString()));
            })
            .get("/api/run/{run_id}", request -> Response.ok(Map.of("id", request.pathUuid("run_id").toString())))
            .post("/api/boom", request -> { throw new IllegalStateException("password=hunter2"); })
            .get("/api/together", request -> {
              together.countDown();
              return together.await(10, TimeUnit.SECONDS) ? Response.empty(204) : Response.detail(504, "alone");
            })
            .get("/api/held", request -> {
              held.countDown();
              release.await(10, TimeUnit.SECONDS);
              return Response.text(200, "released");
            })
            .get("/echo/{text}", request -> {
              if (request.pathParam("text").equals("slow")) {
                Thread.sleep(150);
              }
              return Response.text(200, request.pathParam("text"));
            })
            .routeAsync("GET", "/later/{text}", request -> {
              // Answered from another thread, after the handler thread went back to the pool.
              String text = request.pathParam("text");
              return CompletableFuture.supplyAsync(() -> switch (text) {
                case "conflict" -> throw ApiException.conflict("run is already success");
                case "boom" -> throw new IllegalStateException("password=hunter2");
                default -> Response.text(200, text);
              }, CompletableFuture.delayedExecutor(text.equals("slow") ? 150 : 5, TimeUnit.MILLISECONDS));
            })
            .get("/port", request -> Response.text(200, Integer.toString(request.remoteAddress().getPort())))
            .get("/outputs/{run_id}/{filename}", request -> {
              signedUrls.require(request);
              return Response.file(dir.resolve(request.pathParam("filename")), "image/png");
            });
    SystemRoutes.addTo(routes, metrics, SystemRoutes.Health::ok);
    HttpServerConfig config =
        HttpServerConfig.defaults("127.0.0.1", 0)
            .withMaxBodyBytes(LIMIT)
            .withHandlerThreads(HANDLERS, 64)
            .withIdleTimeout(Duration.ofMillis(500));
    server = new HttpApiServer(config, routes.build(), metrics);
    server.start();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.close();
    client.close();
    metrics.close();
    logs.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return client.send(builder.build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> authed(String method, String path, String body) throws Exception {
    return send(method, path, body, "Authorization", "Bearer " + KEY, "Content-Type", "application/json");
  }

  @Test
  void boundToAnEphemeralPortAndRefusesASecondStart() {
    assertTrue(server.port() > 0);
    assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
    assertThrows(IllegalStateException.class, server::start);
    HttpServerConfig taken = HttpServerConfig.defaults("127.0.0.1", server.port());
    try (HttpApiServer second = new HttpApiServer(taken, Router.builder().build(), null)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
      assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + server.port()), e.getMessage());
    }
  }

  @Test
  void queueAcceptsAValidBody() throws Exception {
    String id = "8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10";
    HttpResponse<String> response = authed("POST", "/api/run/deployment/queue", "{\"deployment_id\":\"" + id + "\"}");
    assertEquals(200, response.statusCode());
    assertEquals("{\"run_id\":\"" + id + "\"}", response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
  }

  @Test
  void everyErrorStatusHasItsExactBody() throws Exception {
    HttpResponse<String> notFound = send("GET", "/nowhere", null);
    assertEquals(404, notFound.statusCode());
    assertEquals("{\"detail\":\"Not Found\"}", notFound.body());

    HttpResponse<String> notAllowed = send("DELETE", "/healthz", null);
    assertEquals(405, notAllowed.statusCode());
    assertEquals("{\"detail\":\"Method Not Allowed\"}", notAllowed.body());
    assertEquals("GET, HEAD", notAllowed.headers().firstValue("allow").orElseThrow());

    HttpResponse<String> noKey = send("GET", "/api/run/8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10", null);
    assertEquals(401, noKey.statusCode());
    assertEquals("{\"detail\":\"Not authenticated\"}", noKey.body());
    assertEquals("Bearer", noKey.headers().firstValue("www-authenticate").orElseThrow());

    HttpResponse<String> badKey = send("GET", "/api/run/x", null, "Authorization", "Bearer nope");
    assertEquals(401, badKey.statusCode());
    assertEquals("{\"detail\":\"Invalid authentication credentials\"}", badKey.body());

    HttpResponse<String> missing = authed("POST", "/api/run/deployment/queue", "{\"inputs\": 3}");
    assertEquals(422, missing.statusCode());
    assertEquals("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"deployment_id\"],\"msg\":\"Field required\"},"
        + "{\"type\":\"dict_type\",\"loc\":[\"body\",\"inputs\"],\"msg\":\"Input should be a valid dictionary\"}]}",
        missing.body());

    HttpResponse<String> malformed = authed("POST", "/api/run/deployment/queue", "{\"deployment_id\": ");
    assertEquals(422, malformed.statusCode());
    assertTrue(malformed.body().startsWith("{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",18],"
        + "\"msg\":\"JSON decode error\",\"ctx\":{\"error\":"), malformed.body());

    HttpResponse<String> badUuid = authed("GET", "/api/run/not-a-uuid", null);
    assertEquals(422, badUuid.statusCode());
    assertEquals("{\"detail\":[{\"type\":\"uuid_parsing\",\"loc\":[\"path\",\"run_id\"],\"msg\":\"Input should be a"
        + " valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-],"
        + " found `n` at 1\",\"ctx\":{\"error\":\"invalid character: expected an optional prefix of `urn:uuid:`"
        + " followed by [0-9a-fA-F-], found `n` at 1\"}}]}", badUuid.body());

    HttpResponse<String> boom = authed("POST", "/api/boom", "{}");
    assertEquals(500, boom.statusCode());
    assertEquals("{\"detail\":\"internal error\"}", boom.body());
    String requestId = boom.headers().firstValue("x-request-id").orElseThrow();
    assertTrue(logs.all().contains("request " + requestId + " POST /api/boom failed"), logs.all());
    assertTrue(!boom.body().contains("hunter2"));
  }

  @Test
  void oversizedBodyIs413AndTheClientCarriesOn() throws Exception {
    HttpResponse<String> tooBig = authed("POST", "/api/run/deployment/queue", "x".repeat(LIMIT + 1));
    assertEquals(413, tooBig.statusCode());
    assertEquals("{\"detail\":\"request body exceeds the limit of 1024 bytes\"}", tooBig.body());
    HttpRequest expecting =
        HttpRequest.newBuilder(URI.create(base + "/api/run/deployment/queue"))
            .expectContinue(true)
            .header("Authorization", "Bearer " + KEY)
            .POST(BodyPublishers.ofString("y".repeat(5 * LIMIT)))
            .build();
    HttpResponse<String> refused = client.send(expecting, BodyHandlers.ofString());
    assertEquals(413, refused.statusCode());
    assertEquals("{\"detail\":\"request body exceeds the limit of 1024 bytes\"}", refused.body());
    assertEquals(200, send("GET", "/healthz", null).statusCode());
  }

  @Test
  void headAnswersWithTheGetHeadersOnly() throws Exception {
    HttpResponse<String> get = send("GET", "/healthz", null);
    assertEquals("{\"status\":\"ok\"}", get.body());
    HttpResponse<String> head = send("HEAD", "/healthz", null);
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
    assertEquals(get.headers().firstValue("content-length"), head.headers().firstValue("content-length"));
  }

  @Test
  void keepAliveReusesOneConnection() throws Exception {
    String first = send("GET", "/port", null).body();
    String second = send("GET", "/port", null).body();
    String third = send("GET", "/port", null).body();
    assertEquals(first, second);
    assertEquals(first, third);
  }

  @Test
  void idleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5000);
      long start = System.nanoTime();
      assertEquals(-1, socket.getInputStream().read());
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(400));
    }
  }

  @Test
  void pipelinedRequestsComeBackInOrderOverASocket() throws Exception {
    assertPipelinedAnswersInOrder("/echo/slow", "/echo/fast", "/echo/last");
  }

  /** GETs {@code paths} pipelined on one socket; their bodies (each path's last segment) come back in order. */
  private void assertPipelinedAnswersInOrder(String... paths) throws Exception {
    StringBuilder requests = new StringBuilder();
    for (int i = 0; i < paths.length; i++) {
      requests.append("GET ").append(paths[i]).append(" HTTP/1.1\r\nHost: t\r\n")
          .append(i == paths.length - 1 ? "Connection: close\r\n\r\n" : "\r\n");
    }
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      int previous = -1;
      for (String path : paths) {
        int at = all.indexOf("\r\n\r\n" + path.substring(path.lastIndexOf('/') + 1));
        assertTrue(at > previous, path + " out of order in " + all);
        previous = at;
      }
    }
  }

  @Test
  void anAsynchronousRouteIsAnsweredWhenItsStageCompletesAndFailuresGetTheirAnswers() throws Exception {
    HttpResponse<String> later = send("GET", "/later/done", null);
    assertEquals(200, later.statusCode());
    assertEquals("done", later.body());
    HttpResponse<String> conflict = send("GET", "/later/conflict", null);
    assertEquals(409, conflict.statusCode());
    assertEquals("{\"detail\":\"run is already success\"}", conflict.body());
    HttpResponse<String> boom = send("GET", "/later/boom", null);
    assertEquals(500, boom.statusCode());
    assertEquals("{\"detail\":\"internal error\"}", boom.body());
    assertTrue(logs.all().contains("password=hunter2"), "the failure is logged: " + logs.all());
    // Pipelined on one connection, a late asynchronous answer still comes back before the next one.
    assertPipelinedAnswersInOrder("/later/slow", "/echo/fast", "/later/last");
  }

  @Test
  void signedDownloadStreamsTheFileUntilItExpires() throws Exception {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new java.util.Random(7).nextBytes(content);
    Files.write(dir.resolve("out_00001_.png"), content);
    String url = signedUrls.sign("GET", "/outputs/run-1/out_00001_.png", Duration.ofMinutes(5));

    HttpResponse<byte[]> ok =
        client.send(HttpRequest.newBuilder(URI.create(base + url)).build(), BodyHandlers.ofByteArray());
    assertEquals(200, ok.statusCode());
    assertEquals("image/png", ok.headers().firstValue("content-type").orElseThrow());
    assertEquals(Long.toString(content.length), ok.headers().firstValue("content-length").orElseThrow());
    assertArrayEquals(content, ok.body());

    HttpResponse<String> head = send("HEAD", url, null);
    assertEquals(200, head.statusCode());
    assertEquals(Long.toString(content.length), head.headers().firstValue("content-length").orElseThrow());

    HttpResponse<String> tampered = send("GET", url.replace("run-1", "run-2"), null);
    assertEquals(403, tampered.statusCode());
    assertEquals("{\"detail\":\"invalid URL signature\"}", tampered.body());
    HttpResponse<String> unsigned = send("GET", "/outputs/run-1/out_00001_.png", null);
    assertEquals(403, unsigned.statusCode());

    now.set(now.get().plus(Duration.ofMinutes(6)));
    HttpResponse<String> expired = send("GET", url, null);
    assertEquals(403, expired.statusCode());
    assertEquals("{\"detail\":\"signed URL has expired\"}", expired.body());
  }

  @Test
  void handlersRunConcurrentlyOffTheEventLoop() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < HANDLERS; i++) {
      calls.add(client.sendAsync(
          HttpRequest.newBuilder(URI.create(base + "/api/together")).header("Authorization", "Bearer " + KEY).build(),
          BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      assertEquals(204, call.get(20, TimeUnit.SECONDS).statusCode(), "all handlers were running at once");
    }
  }

  @Test
  void manyConcurrentRequestsEachGetTheirOwnAnswer() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/echo/n" + i)).build(),
          BodyHandlers.ofString()));
    }
    for (int i = 0; i < calls.size(); i++) {
      HttpResponse<String> response = calls.get(i).get(30, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals("n" + i, response.body());
    }
  }

  @Test
  void closeLetsAnInFlightHandlerAnswer() throws Exception {
    CompletableFuture<HttpResponse<String>> call = client.sendAsync(
        HttpRequest.newBuilder(URI.create(base + "/api/held")).header("Authorization", "Bearer " + KEY).build(),
        BodyHandlers.ofString());
    assertTrue(held.await(10, TimeUnit.SECONDS));
    Thread closer = Thread.ofPlatform().start(server::close);
    Thread.sleep(100);
    release.countDown();
    closer.join(15_000);
    HttpResponse<String> response = call.get(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    assertEquals("released", response.body());
    assertThrows(java.net.ConnectException.class, () -> send("GET", "/healthz", null));
  }

  @Test
  void metricsAreScrapedAndPassPromtool() throws Exception {
    metrics.bindJvm();
    metrics.buildInfo("0.1.0-test");
    authed("GET", "/api/run/8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10", null);
    send("GET", "/nowhere", null);
    HttpResponse<String> scrape = send("GET", "/metrics", null);
    assertEquals(200, scrape.statusCode());
    assertEquals(Metrics.CONTENT_TYPE, scrape.headers().firstValue("content-type").orElseThrow());
    String text = scrape.body();
    assertTrue(text.contains(
        "gpu_agent_http_requests_total{method=\"GET\",route=\"/api/run/{run_id}\",status=\"200\"} 1.0"), text);
    assertTrue(text.contains(
        "gpu_agent_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1.0"), text);
    assertTrue(text.contains("gpu_agent_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/run/{run_id}\",le=\"10.0\"} 1"), text);
    assertTrue(text.contains("gpu_agent_build_info{"), text);
    assertTrue(!text.contains("8f8a5b5e"), "no ids in labels");
    var promtool = Promtool.find();
    if (promtool.isEmpty()) {
      System.out.println("HttpApiServerTest: promtool not on PATH, `promtool check metrics` skipped");
      return;
    }
    Promtool.Result result = Promtool.check(promtool.get(), text);
    assertEquals(0, result.exitCode(), result.output() + "\n--- /metrics ---\n" + text);
  }

  @Test
  void rawSocketGarbageGetsA400() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(answer.contains(" 400 Bad Request\r\n") && answer.endsWith("{\"detail\":\"Bad Request\"}"), answer);
    }
  }
}
