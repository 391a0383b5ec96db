package dev.gpuagent.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouterTest {
  private static final RouteHandler OK = request -> Response.empty(204);

  private static List<String> path(String raw) {
    return Dispatcher.decodeSegments(raw);
  }

  @Test
  void patternCapturesParametersAndRequiresEveryLiteral() {
    PathPattern pattern = PathPattern.parse("/api/run/{run_id}/cancel");
    assertEquals(Map.of("run_id", "abc"), pattern.match(path("/api/run/abc/cancel")));
    assertEquals(null, pattern.match(path("/api/run/abc")));
    assertEquals(null, pattern.match(path("/api/run/abc/cancel/")));
    assertEquals(null, pattern.match(path("/api/run//cancel")));
    assertEquals(null, pattern.match(path("/api/runs/abc/cancel")));
    assertEquals(Map.of(), PathPattern.parse("/").match(path("/")));
  }

  @Test
  void parametersArePercentDecodedButPlusStaysPlus() {
    PathPattern pattern = PathPattern.parse("/files/{name}");
    assertEquals(Map.of("name", "a b+c/ü"), pattern.match(path("/files/a%20b+c%2F%C3%BC")));
  }

  @Test
  void malformedPercentEncodingIsABadRequest() {
    ApiException e = assertThrows(ApiException.class, () -> path("/files/%zz"));
    assertEquals(400, e.status());
    assertEquals(400, assertThrows(ApiException.class, () -> path("/files/%C3")).status());
    assertEquals(400, assertThrows(ApiException.class, () -> path("/files/%4")).status());
    assertEquals(400, assertThrows(ApiException.class, () -> path("*")).status());
  }

  @Test
  void badPatternsAreRefused() {
    for (String bad : List.of("api", "/api/", "/a//b", "/a/{x}{y}", "/a/x{y}", "/a/{x}/{x}", "/a/{1x}")) {
      assertThrows(IllegalArgumentException.class, () -> PathPattern.parse(bad), bad);
    }
  }

  @Test
  void literalSegmentsBeatParameters() {
    RouteHandler byId = request -> Response.text(200, "id");
    RouteHandler literal = request -> Response.text(200, "literal");
    Router router =
        Router.builder().get("/api/deployments/{id}", byId).get("/api/deployments/search", literal).build();
    var found = assertInstanceOf(Router.Found.class, router.match("GET", path("/api/deployments/search")));
    assertEquals("/api/deployments/search", found.route().pattern().pattern());
    found = assertInstanceOf(Router.Found.class, router.match("GET", path("/api/deployments/x")));
    assertEquals(Map.of("id", "x"), found.params());
  }

  @Test
  void aLessSpecificRouteAnswersAMethodTheLiteralOneLacks() {
    Router router = Router.builder().get("/a/{x}", OK).post("/a/b", OK).build();
    var found = assertInstanceOf(Router.Found.class, router.match("GET", path("/a/b")));
    assertEquals("/a/{x}", found.route().pattern().pattern());
  }

  @Test
  void unknownPathIsNotFoundAndWrongMethodListsTheAllowedOnes() {
    Router router = Router.builder().get("/api/run/{run_id}", OK).post("/api/run/{run_id}", OK).build();
    assertInstanceOf(Router.NotFound.class, router.match("GET", path("/api/nothing")));
    var notAllowed = assertInstanceOf(Router.MethodNotAllowed.class, router.match("DELETE", path("/api/run/1")));
    assertEquals("GET, HEAD, POST", notAllowed.allowHeader());
    assertInstanceOf(Router.MethodNotAllowed.class, router.match("get", path("/api/run/1")));
  }

  @Test
  void headIsAnsweredByTheGetRouteUnlessItHasItsOwn() {
    RouteHandler head = request -> Response.empty(200);
    Router router = Router.builder().get("/a", OK).get("/b", OK).route("HEAD", "/b", head).build();
    var found = assertInstanceOf(Router.Found.class, router.match("HEAD", path("/a")));
    assertEquals("GET", found.route().method());
    found = assertInstanceOf(Router.Found.class, router.match("HEAD", path("/b")));
    assertEquals("HEAD", found.route().method());
    Router postOnly = Router.builder().post("/p", OK).build();
    assertInstanceOf(Router.MethodNotAllowed.class, postOnly.match("HEAD", path("/p")));
  }

  @Test
  void duplicateRoutesAndBadMethodsAreRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> Router.builder().get("/a/{x}", OK).get("/a/{y}", OK));
    assertThrows(IllegalArgumentException.class, () -> Router.builder().route("get", "/a", OK));
    assertThrows(IllegalArgumentException.class, () -> Router.builder().get("/a", null));
    assertThrows(IllegalArgumentException.class,
        () -> Router.builder().authenticate("/api", t -> Optional.empty()).authenticate("/api", t -> Optional.empty()));
    assertThrows(IllegalArgumentException.class,
        () -> Router.builder().authenticate("/api/{x}", t -> Optional.empty()));
  }

  @Test
  void longestAuthPrefixWinsAndPrefixesMatchWholeSegments() {
    Authenticator api = token -> Optional.of("api");
    Authenticator workers = token -> Optional.of("worker");
    Router router = Router.builder().authenticate("/api", api).authenticate("/api/worker", workers).build();
    assertEquals(Optional.of(api), router.authenticatorFor(path("/api/run/1")));
    assertEquals(Optional.of(api), router.authenticatorFor(path("/api")));
    assertEquals(Optional.of(workers), router.authenticatorFor(path("/api/worker/lease")));
    assertTrue(router.authenticatorFor(path("/apix/run")).isEmpty());
    assertTrue(router.authenticatorFor(path("/healthz")).isEmpty());
    assertEquals(Optional.of(api), router.authenticatorFor(path("/%61pi/run/1")));
  }
}
