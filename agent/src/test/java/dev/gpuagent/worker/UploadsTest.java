package dev.gpuagent.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.gpuagent.protocol.Protocol;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outcome mapping and retries of {@link Uploads} against a scripted server on loopback. */
class UploadsTest {
  /** Backoff delays of zero: retries happen at once. */
  private static final RandomGenerator NO_WAIT = () -> 0L;

  private NioEventLoopGroup group;
  private HttpPutClient client;
  private ScheduledExecutorService timer;
  private HttpServer server;
  private URI base;
  /** Statuses to answer, in order; empty: 201. */
  private final Queue<Integer> statuses = new ConcurrentLinkedQueue<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile byte[] lastBody;

  @BeforeEach
  void start() throws IOException {
    group = new NioEventLoopGroup(1);
    client = new HttpPutClient(group);
    timer = Executors.newSingleThreadScheduledExecutor();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      lastBody = exchange.getRequestBody().readAllBytes();
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
          + exchange.getRequestHeaders().getFirst("Authorization") + " "
          + exchange.getRequestHeaders().getFirst(Protocol.FENCING_TOKEN_HEADER) + " "
          + exchange.getRequestHeaders().getFirst("Content-Type"));
      Integer status = statuses.poll();
      byte[] answer = "{\"detail\":\"x\"}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status == null ? 201 : status, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    });
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
    timer.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private Uploads.Outcome upload(URI target) throws Exception {
    return new Uploads(client, "tok", timer, NO_WAIT).put(target, 7, "image/png", new byte[] {1, 2, 3}, () -> false)
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void a201IsStoredWithTheProtocolHeaders() throws Exception {
    URI target = Uploads.target(base, "/worker/v1/runs/r/outputs/{filename}?lease=l", "a b.png", "sub");

    assertEquals(Uploads.Outcome.STORED, upload(target));

    assertEquals(List.of("PUT /worker/v1/runs/r/outputs/a%20b.png?lease=l&subfolder=sub Bearer tok 7 image/png"),
        requests);
    assertArrayEquals(new byte[] {1, 2, 3}, lastBody);
  }

  @Test
  void a409IsStaleAndNotRetried() throws Exception {
    statuses.add(409);

    assertEquals(Uploads.Outcome.STALE, upload(base.resolve("/a")));
    assertEquals(1, requests.size());
  }

  @Test
  void anotherClientErrorIsRefusedAndNotRetried() throws Exception {
    statuses.add(413);

    assertEquals(Uploads.Outcome.REFUSED, upload(base.resolve("/a")));
    assertEquals(1, requests.size());
  }

  @Test
  void a5xxIsRetried() throws Exception {
    statuses.addAll(List.of(503, 500));

    assertEquals(Uploads.Outcome.STORED, upload(base.resolve("/a")));
    assertEquals(3, requests.size());
  }

  @Test
  void fiveFailuresFail() throws Exception {
    statuses.addAll(List.of(503, 503, 503, 503, 503, 503));

    assertEquals(Uploads.Outcome.FAILED, upload(base.resolve("/a")));
    assertEquals(Uploads.MAX_TRIES, requests.size());
  }

  @Test
  void networkErrorsAreRetriedThenFail() throws Exception {
    int port;
    try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = unused.getLocalPort();
    }

    assertEquals(Uploads.Outcome.FAILED, upload(URI.create("http://127.0.0.1:" + port + "/a")));
  }

  @Test
  void aStoppedRunIsCancelledBeforeSending() throws Exception {
    Uploads.Outcome outcome = new Uploads(client, "tok", timer, NO_WAIT)
        .put(base.resolve("/a"), 7, "image/png", new byte[] {1}, () -> true).get(10, TimeUnit.SECONDS);

    assertEquals(Uploads.Outcome.CANCELLED, outcome);
    assertEquals(0, requests.size());
  }
}
