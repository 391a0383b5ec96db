package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spooled bodies through the whole pipeline on embedded channels: size, SHA-256, ownership of the file. */
class SpoolingHandlerTest {
  private static final int LIMIT = 100;
  private static final String TOO_LARGE = "output file exceeds the limit of 100 bytes";

  @TempDir Path dir;

  /** What the route saw: the body, and the file's bytes read while the route ran. */
  private final AtomicReference<SpooledBody> seen = new AtomicReference<>();
  private final AtomicReference<byte[]> fileBytes = new AtomicReference<>();
  private EmbeddedHttp http;

  private Path spoolDir() {
    return dir.resolve("outputs").resolve(".spool");
  }

  private void start() {
    Router router = Router.builder()
        .put("/up/{name}", r -> {
          SpooledBody body = r.spooledBody();
          seen.set(body);
          try {
            fileBytes.set(Files.readAllBytes(body.file()));
            if (r.pathParam("name").equals("move")) {
              body.moveTo(dir.resolve("outputs").resolve("moved.bin"));
            } else if (r.pathParam("name").equals("boom")) {
              throw new IllegalStateException("route failed");
            }
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return Response.ok(Map.of("size", r.bodySize()));
        })
        .put("/other", r -> Response.ok(Map.of("size", r.body().length)))
        .build();
    BodySpool spool = new BodySpool("PUT", path -> path.startsWith("/up/"), LIMIT, spoolDir(), TOO_LARGE);
    http = new EmbeddedHttp(HttpServerConfig.defaults("127.0.0.1", 0).withMaxBodyBytes(1024), router, spool);
  }

  @AfterEach
  void close() {
    if (http != null) {
      http.close();
    }
  }

  @Test
  void chunkedBodyArrivesWithTheSizeAndSha256OfItsFile() throws Exception {
    start();
    http.sendRaw("PUT /up/keep HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n" + "1\r\n \r\n" + "5\r\nworld\r\n" + "0\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n") && raw.endsWith("{\"size\":11}"), raw);
    byte[] expected = "hello world".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(expected, fileBytes.get());
    SpooledBody body = seen.get();
    assertEquals(11, body.size());
    assertEquals(sha256(expected), body.sha256());
    assertEquals(spoolDir(), body.file().getParent());
    assertFalse(Files.exists(body.file()), "deleted once the route returned");
    assertSpoolEmpty();
  }

  @Test
  void emptyBodyHasTheSha256OfNothing() throws Exception {
    start();
    http.sendRaw("PUT /up/keep HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    assertTrue(http.rawOutput().endsWith("{\"size\":0}"));
    assertEquals(0, seen.get().size());
    assertEquals(sha256(new byte[0]), seen.get().sha256());
    assertSpoolEmpty();
  }

  @Test
  void theSpoolFileIsOwnerOnly() throws Exception {
    Router router = Router.builder().put("/up/{name}", r -> {
      try {
        return Response.ok(Map.of("mode",
            PosixFilePermissions.toString(Files.getPosixFilePermissions(r.spooledBody().file()))));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).build();
    http = new EmbeddedHttp(HttpServerConfig.defaults("127.0.0.1", 0), router,
        new BodySpool("PUT", path -> true, LIMIT, spoolDir(), TOO_LARGE));
    http.sendRaw("PUT /up/x HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx");
    String raw = http.rawOutput();
    assertTrue(raw.endsWith("{\"mode\":\"rw-------\"}"), raw);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spoolDir())),
        "the spool folder is created owner-only when missing");
  }

  @Test
  void aBodyTheRouteMovedAwayIsNotDeleted() throws Exception {
    start();
    http.sendRaw("PUT /up/move HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
    assertTrue(http.rawOutput().startsWith("HTTP/1.1 200 OK\r\n"));
    assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII),
        Files.readAllBytes(dir.resolve("outputs").resolve("moved.bin")));
    assertSpoolEmpty();
  }

  @Test
  void aFailingRouteStillDeletesTheBody() throws Exception {
    start();
    try (CapturedLogs logs = new CapturedLogs(Dispatcher.class)) {
      http.sendRaw("PUT /up/boom HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
      assertTrue(http.rawOutput().startsWith("HTTP/1.1 500 "));
    }
    assertSpoolEmpty();
  }

  @Test
  void chunkedBodyOverTheLimitIs413AndLeavesNoFile() throws Exception {
    start();
    String chunk = "x".repeat(60);
    http.sendRaw("PUT /up/keep HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3c\r\n" + chunk + "\r\n" + "3c\r\n" + chunk + "\r\n" + "3c\r\n" + chunk + "\r\n0\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.1 413 ") && raw.endsWith("{\"detail\":\"" + TOO_LARGE + "\"}"), raw);
    assertNull(seen.get(), "the route never ran");
    assertSpoolEmpty();
    assertTrue(http.server.isActive(), "the rest of the body was read and dropped");
    http.sendRaw("PUT /up/keep HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok");
    assertTrue(http.rawOutput().endsWith("{\"size\":2}"));
  }

  @Test
  void declaredLengthOverTheLimitIs413WithoutCreatingAFile() {
    start();
    http.sendRaw("PUT /up/keep HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n" + "x".repeat(101));
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.1 413 "), raw);
    assertFalse(Files.exists(spoolDir()), "no file was ever created");
  }

  @Test
  void aConnectionClosedMidBodyLeavesNoFile() throws Exception {
    start();
    http.sendRaw("PUT /up/keep HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\n\r\nonly part");
    try (var files = Files.list(spoolDir())) {
      assertEquals(1, files.count(), "the body is being spooled");
    }
    http.server.close();
    assertSpoolEmpty();
  }

  @Test
  void otherRequestsAreAggregatedInMemory() {
    start();
    http.sendRaw("PUT /other HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
    assertTrue(http.rawOutput().endsWith("{\"size\":3}"));
    assertFalse(Files.exists(spoolDir()));
  }

  private void assertSpoolEmpty() throws Exception {
    try (var files = Files.list(spoolDir())) {
      assertEquals(0, files.count(), "nothing left in the spool");
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
