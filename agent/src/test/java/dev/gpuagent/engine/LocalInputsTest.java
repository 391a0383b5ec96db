package dev.gpuagent.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files, data: URLs and remote URLs; remote ones only against a loopback server. */
class LocalInputsTest {
  @TempDir Path base;
  private Path input;
  private HttpServer server;
  private final AtomicInteger hits = new AtomicInteger();

  @BeforeEach
  void setUp() throws IOException {
    input = Files.createDirectories(base.resolve("input"));
    Files.write(input.resolve("a.png"), new byte[] {1, 2, 3});
    Files.createDirectories(input.resolve("sub"));
    Files.write(input.resolve("sub/b.png"), new byte[] {4});
    Files.write(base.resolve("secret.txt"), "secret".getBytes());
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.stop(0);
    }
  }

  private String startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/small", ex -> {
      hits.incrementAndGet();
      respond(ex, 200, new byte[] {7, 8, 9}, false);
    });
    server.createContext("/big", ex -> respond(ex, 200, new byte[2048], false));
    server.createContext("/big-chunked", ex -> respond(ex, 200, new byte[2048], true));
    server.createContext("/missing", ex -> respond(ex, 404, new byte[0], false));
    server.createContext("/redirect-local", ex -> {
      ex.getResponseHeaders().add("Location", "/small");
      respond(ex, 302, new byte[0], false);
    });
    server.createContext("/redirect-away", ex -> {
      ex.getResponseHeaders().add("Location", "http://localhost:" + server.getAddress().getPort() + "/small");
      respond(ex, 302, new byte[0], false);
    });
    server.createContext("/redirect-file", ex -> {
      ex.getResponseHeaders().add("Location", "file:///etc/passwd");
      respond(ex, 301, new byte[0], false);
    });
    server.createContext("/loop", ex -> {
      ex.getResponseHeaders().add("Location", "/loop");
      respond(ex, 302, new byte[0], false);
    });
    server.createContext("/slow", ex -> {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      respond(ex, 200, new byte[1], false);
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static void respond(com.sun.net.httpserver.HttpExchange ex, int status, byte[] body, boolean chunked)
      throws IOException {
    ex.sendResponseHeaders(status, chunked ? 0 : body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private LocalInputs inputs(List<String> hosts, long maxBytes) {
    return new LocalInputs(input, HostAllowList.of(hosts), maxBytes, Duration.ofSeconds(5));
  }

  @Test
  void readsFilesInsideTheInputFolder() throws IOException {
    LocalInputs inputs = LocalInputs.folder(input);
    assertArrayEquals(new byte[] {1, 2, 3}, inputs.read("a.png"));
    assertArrayEquals(new byte[] {1, 2, 3}, inputs.read("a.png [input]"));
    assertArrayEquals(new byte[] {4}, inputs.read("sub/b.png"));
    assertArrayEquals(new byte[] {4}, inputs.read("sub/../sub/b.png"));
  }

  @Test
  void readsDataUrls() throws IOException {
    assertArrayEquals("hello".getBytes(), LocalInputs.folder(input).read("data:image/png;base64,aGVsbG8="));
  }

  @Test
  void refusesTraversalAbsolutePathsAndMissingFiles() {
    LocalInputs inputs = LocalInputs.folder(input);
    assertRefused(inputs, "../secret.txt", "outside");
    assertRefused(inputs, "sub/../../secret.txt", "outside");
    assertRefused(inputs, base.resolve("secret.txt").toString(), "absolute");
    assertRefused(inputs, "nope.png", "no file");
    assertRefused(inputs, "sub", "not a regular file");
    assertRefused(inputs, "", "empty");
    assertRefused(inputs, "a\u0000.png", "invalid");
  }

  @Test
  void refusesSymbolicLinksLeadingOut() throws IOException {
    Files.createSymbolicLink(input.resolve("escape.txt"), base.resolve("secret.txt"));
    Files.createSymbolicLink(input.resolve("outdir"), base);
    assertRefused(LocalInputs.folder(input), "escape.txt", "link");
    assertRefused(LocalInputs.folder(input), "outdir/secret.txt", "link");
  }

  @Test
  void followsSymbolicLinksThatStayInside() throws IOException {
    Files.createSymbolicLink(input.resolve("alias.png"), input.resolve("a.png"));
    assertArrayEquals(new byte[] {1, 2, 3}, LocalInputs.folder(input).read("alias.png"));
  }

  @Test
  void refusesOtherSchemes() {
    LocalInputs inputs = inputs(List.of("127.0.0.1"), 1000);
    for (String ref : List.of("file:///etc/passwd", "ftp://127.0.0.1/x", "jar:file:/x.jar!/a", "gopher://127.0.0.1/")) {
      assertRefused(inputs, ref, "not allowed");
    }
  }

  @Test
  void fileLargerThanTheLimitIsRefused() throws IOException {
    Files.write(input.resolve("large.bin"), new byte[101]);
    assertRefused(inputs(List.of(), 100), "large.bin", "limit");
  }

  @Test
  void remoteUrlsAreRefusedWhenNoHostIsAllowed() throws IOException {
    String url = startServer();
    assertRefused(LocalInputs.folder(input), url + "/small", "disabled");
    assertEquals(0, hits.get());
  }

  @Test
  void remoteUrlOfAnUnlistedHostIsRefusedWithoutContact() throws IOException {
    String url = startServer();
    assertRefused(inputs(List.of("images.example.com", "*.example.org"), 1000), url + "/small", "allow-list");
    assertEquals(0, hits.get());
  }

  @Test
  void remoteUrlOfAnAllowedHostIsFetched() throws IOException {
    String url = startServer();
    try (LocalInputs inputs = inputs(List.of("127.0.0.1"), 1000)) {
      assertArrayEquals(new byte[] {7, 8, 9}, inputs.read(url + "/small"));
      assertArrayEquals(new byte[] {7, 8, 9}, inputs.read(url + "/small?sig=abc"));
    }
  }

  @Test
  void redirectsAreCheckedAgainstTheAllowList() throws IOException {
    String url = startServer();
    try (LocalInputs inputs = inputs(List.of("127.0.0.1"), 1000)) {
      assertArrayEquals(new byte[] {7, 8, 9}, inputs.read(url + "/redirect-local"));
      assertRefused(inputs, url + "/redirect-away", "'localhost' is not in the allow-list");
      assertRefused(inputs, url + "/redirect-file", "'file:' URLs are not allowed");
      assertRefused(inputs, url + "/loop", "redirected more than");
    }
  }

  @Test
  void responseLargerThanTheLimitIsRefused() throws IOException {
    String url = startServer();
    try (LocalInputs inputs = inputs(List.of("127.0.0.1"), 1000)) {
      assertRefused(inputs, url + "/big", "limit");
      assertRefused(inputs, url + "/big-chunked", "limit");
    }
  }

  @Test
  void errorStatusIsReported() throws IOException {
    String url = startServer();
    try (LocalInputs inputs = inputs(List.of("127.0.0.1"), 1000)) {
      assertRefused(inputs, url + "/missing", "HTTP 404");
    }
  }

  @Test
  void slowServerTimesOut() throws IOException {
    String url = startServer();
    try (LocalInputs inputs = new LocalInputs(input, HostAllowList.of(List.of("127.0.0.1")), 1000,
        Duration.ofMillis(300))) {
      long start = System.nanoTime();
      assertRefused(inputs, url + "/slow", "timed out");
      assertTrue(System.nanoTime() - start < 2_500_000_000L, "gave up well before the server answered");
    }
  }

  @Test
  void messagesDoNotLeakQueryStrings() throws IOException {
    String url = startServer();
    try (LocalInputs inputs = inputs(List.of("127.0.0.1"), 1000)) {
      IOException e = assertThrows(IOException.class, () -> inputs.read(url + "/missing?token=SECRET"));
      assertTrue(!e.getMessage().contains("SECRET"), e.getMessage());
    }
  }

  private static void assertRefused(InputResolver inputs, String reference, String messagePart) {
    IOException e = assertThrows(IOException.class, () -> inputs.read(reference), reference);
    assertTrue(e.getMessage().contains(messagePart), "'" + e.getMessage() + "' should mention '" + messagePart + "'");
  }
}
