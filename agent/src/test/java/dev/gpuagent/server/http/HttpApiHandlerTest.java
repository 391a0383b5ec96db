package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline (codec, keep-alive, body limit, handler) on embedded channels: no sockets. */
class HttpApiHandlerTest {
  private static final int LIMIT = 64;

  @TempDir Path dir;

  private final Router router =
      Router.builder()
          .get("/hello/{name}", r -> Response.ok(Map.of("hello", r.pathParam("name"))))
          .get("/query", r -> Response.ok(r.query()))
          .post("/echo", r -> Response.bytes(200, r.body(), "application/octet-stream"))
          .get("/boom", r -> { throw new IllegalStateException("internals"); })
          .get("/file/{name}", r -> Response.file(dir.resolve(r.pathParam("name")), "image/png"))
          .build();
  private final HttpServerConfig config =
      HttpServerConfig.defaults("127.0.0.1", 0).withMaxBodyBytes(LIMIT);
  private final EmbeddedHttp http = new EmbeddedHttp(config, router);

  @AfterEach
  void close() {
    http.close();
  }

  private static FullHttpRequest get(String uri) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    request.headers().set(HttpHeaderNames.HOST, "test");
    return request;
  }

  private static FullHttpRequest post(String uri, byte[] body) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri, Unpooled.wrappedBuffer(body));
    request.headers().set(HttpHeaderNames.HOST, "test").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return request;
  }

  private static String body(FullHttpResponse response) {
    return response.content().toString(StandardCharsets.UTF_8);
  }

  private FullHttpResponse one(FullHttpRequest request) {
    List<FullHttpResponse> responses = http.exchange(request);
    assertEquals(1, responses.size(), responses.toString());
    return responses.getFirst();
  }

  @Test
  void jsonAnswerCarriesTypeLengthAndRequestId() {
    FullHttpResponse response = one(get("/hello/world"));
    assertEquals(200, response.status().code());
    assertEquals("{\"hello\":\"world\"}", body(response));
    assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
    assertEquals(17, response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
    assertTrue(response.headers().get("X-Request-Id").matches("[0-9a-f]{16}"));
    assertTrue(http.server.isActive(), "keep-alive by default on HTTP/1.1");
  }

  @Test
  void queryParametersAreDecoded() {
    assertEquals("{\"a\":[\"1\",\"2\"],\"b\":[\"x y\"]}", body(one(get("/query?a=1&a=2&b=x%20y"))));
  }

  @Test
  void unknownPathAndWrongMethodHaveExactBodies() {
    FullHttpResponse notFound = one(get("/nope"));
    assertEquals(404, notFound.status().code());
    assertEquals("{\"detail\":\"Not Found\"}", body(notFound));
    FullHttpResponse notAllowed = one(post("/hello/x", new byte[0]));
    assertEquals(405, notAllowed.status().code());
    assertEquals("{\"detail\":\"Method Not Allowed\"}", body(notAllowed));
    assertEquals("GET, HEAD", notAllowed.headers().get(HttpHeaderNames.ALLOW));
  }

  @Test
  void handlerFailureIsAGeneric500() {
    try (CapturedLogs logs = new CapturedLogs(Dispatcher.class)) {
      FullHttpResponse response = one(get("/boom"));
      assertEquals(500, response.status().code());
      assertEquals("{\"detail\":\"internal error\"}", body(response));
      String id = response.headers().get("X-Request-Id");
      assertTrue(logs.all().contains("request " + id + " GET /boom failed"), logs.all());
    }
  }

  @Test
  void headGetsTheGetHeadersAndNoBody() {
    http.sendRaw("HEAD /hello/world HTTP/1.1\r\nHost: t\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n"), raw);
    assertTrue(raw.toLowerCase().contains("content-length: 17\r\n"), raw);
    assertTrue(raw.endsWith("\r\n\r\n"), "no body after the headers: " + raw);
  }

  @Test
  void bodyUnderTheLimitReachesTheHandler() {
    byte[] body = new byte[LIMIT];
    body[3] = 7;
    FullHttpResponse response = one(post("/echo", body));
    assertEquals(200, response.status().code());
    assertEquals(LIMIT, response.content().readableBytes());
    assertEquals(7, response.content().getByte(3));
  }

  @Test
  void declaredOversizedBodyIs413AndTheConnectionStaysUsable() {
    FullHttpResponse response = one(post("/echo", new byte[LIMIT + 1]));
    assertEquals(413, response.status().code());
    assertEquals("{\"detail\":\"request body exceeds the limit of 64 bytes\"}", body(response));
    assertTrue(http.server.isActive());
    assertEquals(200, one(get("/hello/again")).status().code());
  }

  @Test
  void oversizedChunkedBodyIs413AndClosesTheConnection() {
    http.sendRaw("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "28\r\n" + "x".repeat(40) + "\r\n" + "28\r\n" + "y".repeat(40) + "\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), raw);
    assertTrue(raw.endsWith("{\"detail\":\"request body exceeds the limit of 64 bytes\"}"), raw);
    assertTrue(raw.toLowerCase().contains("connection: close"), raw);
    assertFalse(http.server.isActive());
  }

  @Test
  void expectContinueOverTheLimitIsRefusedBeforeTheBodyIsSent() {
    http.sendRaw("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), raw);
    assertTrue(raw.endsWith("{\"detail\":\"request body exceeds the limit of 64 bytes\"}"), raw);
    assertTrue(http.server.isActive());
  }

  @Test
  void expectContinueUnderTheLimitGetsContinueThenTheAnswer() {
    http.sendRaw("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    assertEquals("HTTP/1.1 100 Continue\r\n\r\n", http.rawOutput());
    http.sendRaw("abc");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n") && raw.endsWith("\r\n\r\nabc"), raw);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() {
    http.sendRaw("GET /hello/one HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
        + "GET /hello/three HTTP/1.1\r\nHost: t\r\n\r\n");
    String raw = http.rawOutput();
    int one = raw.indexOf("{\"hello\":\"one\"}");
    int two = raw.indexOf("{\"detail\":\"Not Found\"}");
    int three = raw.indexOf("{\"hello\":\"three\"}");
    assertTrue(one > 0 && two > one && three > two, raw);
    assertTrue(http.server.config().isAutoRead(), "reading resumes once the queue is drained");
  }

  @Test
  void connectionCloseIsHonoured() {
    http.sendRaw("GET /hello/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.toLowerCase().contains("connection: close\r\n"), raw);
    assertFalse(http.server.isActive());
  }

  @Test
  void http10KeepsAliveOnlyWhenAsked() {
    http.sendRaw("GET /hello/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.0 200 OK\r\n"), raw);
    assertTrue(raw.toLowerCase().contains("connection: keep-alive\r\n"), raw);
    assertTrue(http.server.isActive());
    http.sendRaw("GET /hello/x HTTP/1.0\r\n\r\n");
    http.rawOutput();
    assertFalse(http.server.isActive());
  }

  @Test
  void malformedRequestIs400AndCloses() {
    http.sendRaw("GARBAGE\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.startsWith("HTTP/1.") && raw.contains(" 400 Bad Request\r\n"), raw);
    assertTrue(raw.endsWith("{\"detail\":\"Bad Request\"}"), raw);
    assertFalse(http.server.isActive());
  }

  @Test
  void oversizedHeadersAre431() {
    http.sendRaw("GET /hello/x HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.contains(" 431 Request Header Fields Too Large\r\n"), raw);
    assertFalse(http.server.isActive());
  }

  @Test
  void fileIsStreamedWithTypeAndLength() throws Exception {
    byte[] content = new byte[200_000];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 31);
    }
    Files.write(dir.resolve("a.png"), content);
    FullHttpResponse response = one(get("/file/a.png"));
    assertEquals(200, response.status().code());
    assertEquals("image/png", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
    assertEquals(content.length, response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
    byte[] received = new byte[response.content().readableBytes()];
    response.content().readBytes(received);
    assertTrue(java.util.Arrays.equals(content, received));

    http.sendRaw("HEAD /file/a.png HTTP/1.1\r\nHost: t\r\n\r\n");
    String raw = http.rawOutput();
    assertTrue(raw.toLowerCase().contains("content-length: 200000\r\n") && raw.endsWith("\r\n\r\n"), raw);
  }

  @Test
  void missingFileIs404() {
    FullHttpResponse response = one(get("/file/none.png"));
    assertEquals(404, response.status().code());
    assertEquals("{\"detail\":\"Not Found\"}", body(response));
  }

  @Test
  void fullHandlerPoolIs503WithRetryAfter() {
    try (EmbeddedHttp busy = new EmbeddedHttp(config, router, task -> {
      throw new RejectedExecutionException("full");
    })) {
      List<FullHttpResponse> responses = busy.exchange(get("/hello/x"));
      assertEquals(503, responses.getFirst().status().code());
      assertEquals("{\"detail\":\"server busy, try again\"}", body(responses.getFirst()));
      assertEquals("1", responses.getFirst().headers().get("Retry-After"));
    }
  }
}
