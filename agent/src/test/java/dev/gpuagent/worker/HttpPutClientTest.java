package dev.gpuagent.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload client against real servers on loopback: the JDK's HttpServer, and raw sockets for misbehaviour. */
class HttpPutClientTest {
  private static final long WAIT_S = 10;

  private NioEventLoopGroup group;
  private HttpPutClient client;
  private HttpServer server;
  /** Each request as the server saw it. */
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** The client ports the server saw: one per connection. */
  private final Set<Integer> connections = ConcurrentHashMap.newKeySet();

  record Seen(String method, String uri, Map<String, String> headers, byte[] body) {}

  @BeforeEach
  void start() {
    group = new NioEventLoopGroup(1);
    client = new HttpPutClient(group);
  }

  @AfterEach
  void stop() {
    client.close();
    if (server != null) {
      server.stop(0);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** A JDK server answering every request with {@code status} and {@code body}, plus {@code extra} headers. */
  private URI serve(int status, String body, Map<String, String> extra) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      record(exchange);
      byte[] answer = body.getBytes(StandardCharsets.UTF_8);
      extra.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void record(HttpExchange exchange) throws IOException {
    Map<String, String> headers = new ConcurrentHashMap<>();
    exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
    byte[] body = exchange.getRequestBody().readAllBytes();
    seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body));
    connections.add(exchange.getRemoteAddress().getPort());
  }

  private HttpPutClient.Response put(URI uri, byte[] body) throws Exception {
    return client.put(uri, Map.of("Content-Type", "image/png"), body).get(WAIT_S, TimeUnit.SECONDS);
  }

  @Test
  void aPutArrivesWithItsBodyAndHeaders() throws Exception {
    URI base = serve(201, "{\"size_bytes\":3}", Map.of());
    byte[] body = new byte[100_000];
    new java.util.Random(1).nextBytes(body);

    HttpPutClient.Response response = client.put(base.resolve("/runs/r1/outputs/a%20b.png?lease=l1&subfolder=x%2Fy"),
        Map.of("Authorization", "Bearer secret", "X-Fencing-Token", "42", "Content-Type", "image/png"), body)
        .get(WAIT_S, TimeUnit.SECONDS);

    assertEquals(new HttpPutClient.Response(201, "{\"size_bytes\":3}"), response);
    assertEquals(1, seen.size());
    Seen request = seen.get(0);
    assertEquals("PUT", request.method());
    assertEquals("/runs/r1/outputs/a%20b.png?lease=l1&subfolder=x%2Fy", request.uri());
    assertEquals("Bearer secret", request.headers().get("authorization"));
    assertEquals("42", request.headers().get("x-fencing-token"));
    assertEquals("image/png", request.headers().get("content-type"));
    assertEquals("100000", request.headers().get("content-length"));
    assertEquals("127.0.0.1:" + base.getPort(), request.headers().get("host"));
    assertArrayEquals(body, request.body());
  }

  @Test
  void sequentialRequestsReuseOneConnection() throws Exception {
    URI base = serve(201, "{}", Map.of());

    for (int i = 0; i < 3; i++) {
      assertEquals(201, put(base.resolve("/f" + i), new byte[] {(byte) i}).status());
    }

    assertEquals(3, seen.size());
    assertEquals(1, connections.size(), "connections: " + connections);
    assertEquals(1, client.openConnections());
  }

  @Test
  void concurrentRequestsUseSeveralConnectionsAndPoolThem() throws Exception {
    URI base = serve(201, "{}", Map.of());

    var first = List.of(client.put(base.resolve("/a"), Map.of(), new byte[1]),
        client.put(base.resolve("/b"), Map.of(), new byte[1]));
    for (var f : first) {
      assertEquals(201, f.get(WAIT_S, TimeUnit.SECONDS).status());
    }
    int opened = connections.size();

    assertEquals(201, put(base.resolve("/c"), new byte[1]).status());

    assertEquals(2, opened, "two requests at once, two connections");
    assertEquals(2, connections.size(), "the third request reuses a pooled connection");
    assertEquals(2, client.openConnections());
  }

  @Test
  void connectionCloseFromTheServerIsHonoured() throws Exception {
    URI base = serve(201, "{}", Map.of("Connection", "close"));

    assertEquals(201, put(base.resolve("/a"), new byte[] {1}).status());
    assertEquals(201, put(base.resolve("/b"), new byte[] {2}).status());

    assertEquals(2, connections.size(), "a connection the server closes is not reused");
  }

  /** The server says close but leaves the socket open: a client reusing it would get no answer. */
  @Test
  void connectionCloseIsHonouredEvenWhenTheServerLeavesTheSocketOpen() throws Exception {
    try (RawServer raw = new RawServer()) {
      raw.serve(() -> {
        try (Socket first = raw.accept()) {
          raw.readRequest(first);
          raw.respond(first, 201, "{\"n\":1}", "Connection: close\r\n");
          try (Socket second = raw.accept()) {
            raw.readRequest(second);
            raw.respond(second, 201, "{\"n\":2}", "");
          }
        }
      });

      assertEquals(201, put(raw.uri(), new byte[] {1}).status());
      assertEquals(new HttpPutClient.Response(201, "{\"n\":2}"), put(raw.uri(), new byte[] {2}));
      assertEquals(2, raw.accepted);
    }
  }

  @Test
  void aNon2xxStatusAndItsBodyComeBack() throws Exception {
    URI base = serve(409, "{\"detail\":\"stale lease\"}", Map.of());

    HttpPutClient.Response response = put(base.resolve("/a"), new byte[] {1});

    assertEquals(new HttpPutClient.Response(409, "{\"detail\":\"stale lease\"}"), response);
    // An error answer still leaves the connection usable.
    assertEquals(409, put(base.resolve("/b"), new byte[] {2}).status());
    assertEquals(1, connections.size());
  }

  @Test
  void aRefusedConnectionFailsTheFuture() throws Exception {
    int port;
    try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = unused.getLocalPort();
    }

    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> put(URI.create("http://127.0.0.1:" + port + "/a"), new byte[] {1}));

    assertInstanceOf(ConnectException.class, failed.getCause(), failed.getCause().toString());
  }

  @Test
  void anUnsupportedSchemeFailsTheFuture() {
    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> put(URI.create("ftp://127.0.0.1/a"), new byte[] {1}));

    assertInstanceOf(IllegalArgumentException.class, failed.getCause());
  }

  /**
   * The race the retry is for: the server drops a kept-alive connection just as the next request goes
   * out on it. The request is sent once more on a new connection and succeeds.
   */
  @Test
  void aRequestOnAConnectionTheServerDroppedIsSentAgainOnAFreshOne() throws Exception {
    try (RawServer raw = new RawServer()) {
      Thread thread = raw.serve(() -> {
        try (Socket first = raw.accept()) {
          raw.readRequest(first);
          raw.respond(first, 201, "{\"n\":1}");
          raw.readRequest(first);
          // Dropped without a response, as a server closing an idle connection does.
        }
        try (Socket second = raw.accept()) {
          raw.readRequest(second);
          raw.respond(second, 201, "{\"n\":2}");
        }
      });

      assertEquals(new HttpPutClient.Response(201, "{\"n\":1}"), put(raw.uri(), new byte[] {1}));
      assertEquals(new HttpPutClient.Response(201, "{\"n\":2}"), put(raw.uri(), new byte[] {2}));
      thread.join(TimeUnit.SECONDS.toMillis(WAIT_S));
      assertEquals(2, raw.accepted);
      assertEquals(3, raw.requests);
    }
  }

  @Test
  void aConnectionTheServerClosedWhileIdleIsNotReused() throws Exception {
    try (RawServer raw = new RawServer()) {
      Thread thread = raw.serve(() -> {
        for (int i = 1; i <= 2; i++) {
          try (Socket socket = raw.accept()) {
            raw.readRequest(socket);
            raw.respond(socket, 201, "{\"n\":" + i + "}");
          }
        }
      });

      assertEquals(201, put(raw.uri(), new byte[] {1}).status());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (client.openConnections() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(0, client.openConnections(), "the client noticed the close");
      assertEquals(new HttpPutClient.Response(201, "{\"n\":2}"), put(raw.uri(), new byte[] {2}));
      thread.join(TimeUnit.SECONDS.toMillis(WAIT_S));
      assertEquals(2, raw.requests, "no request was sent on the closed connection");
    }
  }

  @Test
  void aServerThatClosesWithoutAnsweringAFreshConnectionFailsTheFuture() throws Exception {
    try (RawServer raw = new RawServer()) {
      raw.serve(() -> {
        try (Socket socket = raw.accept()) {
          raw.readRequest(socket);
        }
      });

      ExecutionException failed = assertThrows(ExecutionException.class, () -> put(raw.uri(), new byte[] {1}));

      assertInstanceOf(IOException.class, failed.getCause());
      assertEquals(1, raw.accepted, "no retry on a fresh connection");
    }
  }

  @Test
  void aSilentServerTimesOut() throws Exception {
    client.close();
    client = new HttpPutClient(group, Duration.ofSeconds(10), Duration.ofMillis(300), 1024, null);
    try (RawServer raw = new RawServer()) {
      raw.serve(() -> {
        try (Socket socket = raw.accept()) {
          raw.readRequest(socket);
          Thread.sleep(5_000);
        }
      });

      ExecutionException failed = assertThrows(ExecutionException.class, () -> put(raw.uri(), new byte[] {1}));

      assertTrue(failed.getCause().getMessage().contains("no response within"), failed.getCause().toString());
    }
  }

  @Test
  void aResponseOverTheCapFailsTheFuture() throws Exception {
    client.close();
    client = new HttpPutClient(group, Duration.ofSeconds(10), Duration.ofSeconds(10), 1024, null);
    URI base = serve(201, "x".repeat(2048), Map.of());

    ExecutionException failed = assertThrows(ExecutionException.class, () -> put(base.resolve("/a"), new byte[] {1}));

    assertInstanceOf(TooLongHttpContentException.class, failed.getCause());
  }

  @Test
  void closingFailsWhatIsInFlightAndRefusesNewRequests() throws Exception {
    try (RawServer raw = new RawServer()) {
      raw.serve(() -> {
        try (Socket socket = raw.accept()) {
          raw.readRequest(socket);
          Thread.sleep(5_000);
        }
      });
      var pending = client.put(raw.uri(), Map.of(), new byte[] {1});
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (raw.requests == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }

      client.close();

      assertThrows(ExecutionException.class, () -> pending.get(WAIT_S, TimeUnit.SECONDS));
      assertThrows(ExecutionException.class, () -> put(raw.uri(), new byte[] {1}));
      assertEquals(1, raw.accepted);
      assertFalse(group.isShuttingDown(), "the shared event loop is left running");
    }
  }

  /**
   * https with a certificate the client is told to trust (made by keytool for 127.0.0.1): requests
   * succeed and share a connection, and a host name the certificate does not name is refused.
   */
  @Test
  void httpsChecksTheCertificateAndItsHostName(@TempDir Path dir) throws Exception {
    Path keystore = dir.resolve("server.p12");
    char[] password = "secret".toCharArray();
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "secret",
        "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=test", "-ext", "SAN=IP:127.0.0.1",
        "-validity", "2").redirectErrorStream(true).start();
    String keytoolOutput = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, keytool.waitFor(), keytoolOutput);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, password);
    }
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, password);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(keyManagers.getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    https.createContext("/", exchange -> {
      record(exchange);
      exchange.sendResponseHeaders(201, 2);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write("{}".getBytes(StandardCharsets.UTF_8));
      }
    });
    server = https;
    https.start();
    int port = https.getAddress().getPort();
    client.close();
    client = new HttpPutClient(group, Duration.ofSeconds(10), Duration.ofSeconds(10), 1024,
        SslContextBuilder.forClient().trustManager((X509Certificate) keys.getCertificate("server")).build());

    assertEquals(new HttpPutClient.Response(201, "{}"),
        put(URI.create("https://127.0.0.1:" + port + "/a"), new byte[] {1}));
    assertEquals(201, put(URI.create("https://127.0.0.1:" + port + "/b"), new byte[] {2}).status());
    assertEquals(1, connections.size());
    assertEquals("127.0.0.1:" + port, seen.get(0).headers().get("host"));

    ExecutionException wrongName = assertThrows(ExecutionException.class,
        () -> put(URI.create("https://localhost:" + port + "/c"), new byte[] {3}));
    assertInstanceOf(SSLHandshakeException.class, wrongName.getCause(), wrongName.getCause().toString());
    assertEquals(2, seen.size());
  }

  /** A one-connection-at-a-time HTTP/1.1 server on a plain socket, for behaviour HttpServer cannot show. */
  private static final class RawServer implements AutoCloseable {
    private final ServerSocket socket;
    volatile int accepted;
    volatile int requests;

    RawServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** The server's side of a test, on a virtual thread; what fails once the test has closed the server is ignored. */
    Thread serve(Script script) {
      return Thread.ofVirtual().start(() -> {
        try {
          script.run();
        } catch (Exception e) {
          if (!socket.isClosed()) {
            throw new IllegalStateException("the raw server's script failed", e);
          }
        }
      });
    }

    interface Script {
      void run() throws Exception;
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/upload");
    }

    Socket accept() throws IOException {
      Socket accepted = socket.accept();
      this.accepted++;
      return accepted;
    }

    /** Reads one request (headers and a Content-Length body); throws at end of stream. */
    void readRequest(Socket connection) throws IOException {
      InputStream in = connection.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("end of stream");
        }
        head.write(b);
      }
      int length = 0;
      for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      in.readNBytes(length);
      requests++;
    }

    void respond(Socket connection, int status, String body) throws IOException {
      respond(connection, status, body, "");
    }

    /** {@code headers}: extra header lines, each ending in CRLF. */
    void respond(Socket connection, int status, String body, String headers) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = connection.getOutputStream();
      out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n" + headers + "Content-Length: "
          + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(bytes);
      out.flush();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
