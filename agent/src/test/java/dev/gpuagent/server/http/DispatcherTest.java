package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private static final String KEY = "gak_0123456789abcdef0123";
  private final AtomicReference<Object> seenPrincipal = new AtomicReference<>();
  private final CompletableFuture<Response> later = new CompletableFuture<>();

  private final Router router =
      Router.builder()
          .authenticate("/api", token -> token.equals(KEY) ? Optional.of("org-1") : Optional.empty())
          .get("/api/run/{run_id}", request -> {
            seenPrincipal.set(request.principal());
            return Response.ok(Map.of("id", request.pathUuid("run_id").toString()));
          })
          .post("/api/boom", request -> { throw new IllegalStateException("secret internals"); })
          .get("/api/null", request -> null)
          .get("/api/conflict", request -> { throw ApiException.conflict("run is already success"); })
          .openRoute("GET", "/api/openapi.json", request -> {
            seenPrincipal.set(request.principal());
            return Response.ok(Map.of());
          })
          .get("/healthz", request -> Response.ok(Map.of("status", "ok")))
          .routeAsync("GET", "/api/later", request -> later)
          .routeAsync("GET", "/api/done", request -> CompletableFuture.completedFuture(Response.text(200, "now")))
          .build();
  private final Dispatcher dispatcher = new Dispatcher(router);
  private final CapturedLogs logs = new CapturedLogs(Dispatcher.class);

  @AfterEach
  void releaseLogs() {
    logs.close();
  }

  private Response call(String method, String path, String... headers) {
    Request request = Request.of(method, path, null).withHeaders(Headers.of(headers));
    return dispatcher.dispatch(request).response();
  }

  private static String body(Response response) {
    return new String(((Response.Bytes) response.body()).data(), StandardCharsets.UTF_8);
  }

  @Test
  void anAsynchronousRouteGivesItsAnswerLaterAndOneAlreadyDoneAtOnce() {
    Request request = Request.of("GET", "/api/later", null).withHeaders(Headers.of("Authorization", "Bearer " + KEY));
    Dispatcher.Outcome outcome = dispatcher.dispatch(request);
    assertNull(outcome.response());
    assertEquals("/api/later", outcome.route());
    assertFalse(outcome.later().isDone());
    later.completeExceptionally(ApiException.conflict("run is already success"));
    Response answer = outcome.later().join();
    assertEquals(409, answer.status());
    assertEquals("{\"detail\":\"run is already success\"}", body(answer));

    Dispatcher.Outcome done = dispatcher.dispatch(Request.of("GET", "/api/done", null)
        .withHeaders(Headers.of("Authorization", "Bearer " + KEY)));
    assertNull(done.later());
    assertEquals("now", new String(((Response.Bytes) done.response().body()).data(), StandardCharsets.UTF_8));
  }

  @Test
  void authenticatedRouteGetsPathParamsAndPrincipal() {
    Response response = call("GET", "/api/run/8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10", "Authorization", "Bearer " + KEY);
    assertEquals(200, response.status());
    assertEquals("{\"id\":\"8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10\"}", body(response));
    assertEquals("org-1", seenPrincipal.get());
    assertEquals(200, call("GET", "/api/run/8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10",
        "authorization", "bearer  " + KEY + " ").status());
  }

  @Test
  void missingOrNonBearerCredentialsAre401NotAuthenticated() {
    for (String[] headers : new String[][] {{}, {"Authorization", "Basic abc"}, {"Authorization", "Bearer "},
        {"Authorization", KEY}}) {
      Response response = call("GET", "/api/run/x", headers);
      assertEquals(401, response.status());
      assertEquals("{\"detail\":\"Not authenticated\"}", body(response));
      assertEquals("Bearer", response.headers().get("WWW-Authenticate"));
    }
  }

  @Test
  void unknownTokenIs401InvalidCredentials() {
    Response response = call("GET", "/api/run/x", "Authorization", "Bearer wrong-but-long-enough-token");
    assertEquals(401, response.status());
    assertEquals("DEBUG request test: bearer token wron...(redacted) rejected", logs.all());
    assertEquals("{\"detail\":\"Invalid authentication credentials\"}", body(response));
    assertTrue(response.headers().get("WWW-Authenticate").startsWith("Bearer"));
  }

  @Test
  void authComesBeforeRoutingSoUnknownApiPathsAre401() {
    assertEquals(401, call("GET", "/api/nothing").status());
    assertEquals(401, call("DELETE", "/api/run/x").status());
    assertEquals(401, call("GET", "/%61pi/run/8f8a5b5e-7c1a-4d47-9a53-3c1f7d2c6f10").status());
    assertEquals(404, call("GET", "/api/nothing", "Authorization", "Bearer " + KEY).status());
  }

  @Test
  void openRouteUnderAnAuthenticatedPrefixNeedsNoToken() {
    assertEquals(200, call("GET", "/api/openapi.json").status());
    assertNull(seenPrincipal.get());
  }

  @Test
  void notFoundAndMethodNotAllowedHaveFastApiBodies() {
    Response notFound = call("GET", "/nothing");
    assertEquals(404, notFound.status());
    assertEquals("{\"detail\":\"Not Found\"}", body(notFound));
    Response notAllowed = call("POST", "/healthz");
    assertEquals(405, notAllowed.status());
    assertEquals("{\"detail\":\"Method Not Allowed\"}", body(notAllowed));
    assertEquals("GET, HEAD", notAllowed.headers().get("Allow"));
  }

  @Test
  void malformedPathUuidIs422AtItsPathLocation() {
    Response response = call("GET", "/api/run/not-a-uuid", "Authorization", "Bearer " + KEY);
    assertEquals(422, response.status());
    assertTrue(body(response).startsWith(
        "{\"detail\":[{\"type\":\"uuid_parsing\",\"loc\":[\"path\",\"run_id\"],\"msg\":\"Input should be a valid UUID, "),
        body(response));
  }

  @Test
  void handlerExceptionsBecomeAGeneric500AndApiExceptionsTheirOwnAnswer() {
    Request request = new Request("req-42", "POST", "/api/boom", Map.of(), Map.of(),
        Headers.of("Authorization", "Bearer " + KEY), null, null, null);
    Response boom = dispatcher.dispatch(request).response();
    assertEquals(500, boom.status());
    assertEquals("{\"detail\":\"internal error\"}", body(boom));
    assertEquals(
        "ERROR request req-42 POST /api/boom failed | java.lang.IllegalStateException: secret internals",
        logs.lines().getFirst());
    Response none = call("GET", "/api/null", "Authorization", "Bearer " + KEY);
    assertEquals(500, none.status());
    Response conflict = call("GET", "/api/conflict", "Authorization", "Bearer " + KEY);
    assertEquals(409, conflict.status());
    assertEquals("{\"detail\":\"run is already success\"}", body(conflict));
  }

  @Test
  void authenticatorFailureIsA500NotA401() {
    Router failing = Router.builder()
        .authenticate("/api", token -> { throw new java.sql.SQLException("db down"); })
        .get("/api/x", request -> Response.empty(204)).build();
    Response response = new Dispatcher(failing)
        .dispatch(Request.of("GET", "/api/x", null).withHeaders(Headers.of("Authorization", "Bearer t")))
        .response();
    assertEquals(500, response.status());
  }

  @Test
  void outcomeNamesTheRoutePatternNotThePath() {
    Request request = Request.of("GET", "/api/run/abc", null).withHeaders(Headers.of("Authorization", "Bearer " + KEY));
    assertEquals("/api/run/{run_id}", dispatcher.dispatch(request).route());
    assertEquals(Dispatcher.UNMATCHED, dispatcher.dispatch(Request.of("GET", "/zzz", null)).route());
  }

  @Test
  void bearerTokenParsing() {
    assertEquals("abc", Dispatcher.bearerToken("Bearer abc"));
    assertEquals("abc", Dispatcher.bearerToken("bEaReR   abc  "));
    assertNull(Dispatcher.bearerToken("Bearer"));
    assertNull(Dispatcher.bearerToken("Bearerabc"));
    assertNull(Dispatcher.bearerToken(null));
    assertEquals("(redacted)", Redact.token("short"));
    assertEquals("gak_...(redacted)", Redact.token(KEY));
  }
}
