package dev.gpuagent.server.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns a {@link Request} into a {@link Response} on a handler-pool thread: decodes the path,
 * selects the route, authenticates, runs the handler and maps every failure to its answer. Never
 * throws. Knows nothing of Netty, so its behaviour is tested without a channel.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  static final String UNMATCHED = "unmatched";

  /**
   * A response and the route pattern that produced it (a metrics label). An asynchronous route that
   * has not answered yet leaves {@code response} null and gives {@code later}, which completes with
   * the response (failures already turned into their answers) and never exceptionally.
   */
  record Outcome(Response response, String route, CompletableFuture<Response> later) {
    Outcome(Response response, String route) {
      this(response, route, null);
    }
  }

  private final Router router;

  Dispatcher(Router router) {
    this.router = router;
  }

  Outcome dispatch(Request request) {
    String route = UNMATCHED;
    MDC.put("request_id", request.id());
    try {
      List<String> segments = decodeSegments(request.path());
      Router.Match match = router.match(request.method(), segments);
      boolean open = match instanceof Router.Found found && found.route().open();
      Request authenticated = request;
      if (!open) {
        Optional<Authenticator> authenticator = router.authenticatorFor(segments);
        if (authenticator.isPresent()) {
          authenticated = authenticate(request, authenticator.get());
        }
      }
      return switch (match) {
        case Router.NotFound notFound -> new Outcome(Response.detail(404, "Not Found"), route);
        case Router.MethodNotAllowed notAllowed ->
            new Outcome(
                Response.detail(405, "Method Not Allowed").withHeader("Allow", notAllowed.allowHeader()),
                route);
        case Router.Found found -> {
          route = found.route().pattern().pattern();
          CompletionStage<Response> stage =
              found.route().handler().handle(authenticated.withPathParams(found.params()));
          if (stage == null) {
            throw new IllegalStateException("route " + route + " returned no response");
          }
          String matched = route;
          CompletableFuture<Response> answered = stage.toCompletableFuture()
              .handle((response, failure) -> answer(request, matched, response, failure));
          yield answered.isDone() ? new Outcome(answered.join(), route) : new Outcome(null, route, answered);
        }
      };
    } catch (Throwable e) {
      return new Outcome(answer(request, route, null, e), route);
    } finally {
      MDC.remove("request_id");
    }
  }

  /** The answer to a route's response or failure: 4xx for an {@link ApiException}, else a logged 500. */
  private static Response answer(Request request, String route, Response response, Throwable failure) {
    Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
    if (cause == null && response == null) {
      cause = new IllegalStateException("route " + route + " returned no response");
    }
    if (cause == null) {
      return response;
    }
    if (cause instanceof ApiException e) {
      return e.toResponse();
    }
    LOG.error("request {} {} {} failed", request.id(), request.method(), request.path(), cause);
    return internalError();
  }

  static Response internalError() {
    return Response.detail(500, "internal error");
  }

  private Request authenticate(Request request, Authenticator authenticator) throws Exception {
    String header = request.header("Authorization").orElse(null);
    String token = bearerToken(header);
    if (token == null) {
      throw ApiException.unauthorized("Not authenticated");
    }
    Optional<?> principal = authenticator.authenticate(token);
    if (principal == null || principal.isEmpty()) {
      LOG.debug("request {}: bearer token {} rejected", request.id(), Redact.token(token));
      throw new ApiException(
          401,
          "Invalid authentication credentials",
          Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""));
    }
    return request.withPrincipal(principal.get());
  }

  /** The credentials of {@code Authorization: Bearer <token>}, or null when absent or not bearer. */
  static String bearerToken(String header) {
    if (header == null || header.length() <= 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /** The path's segments, percent-decoded as UTF-8 ({@code +} stays a plus); 400 if malformed. */
  static List<String> decodeSegments(String rawPath) {
    if (!rawPath.startsWith("/")) {
      throw new ApiException(400, "Bad Request");
    }
    List<String> raw = PathPattern.split(rawPath);
    List<String> decoded = new ArrayList<>(raw.size());
    for (String segment : raw) {
      decoded.add(segment.indexOf('%') < 0 ? segment : percentDecode(segment));
    }
    return decoded;
  }

  private static String percentDecode(String segment) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      int hi = i + 2 < segment.length() ? Character.digit(segment.charAt(i + 1), 16) : -1;
      int lo = hi >= 0 ? Character.digit(segment.charAt(i + 2), 16) : -1;
      if (lo < 0) {
        throw new ApiException(400, "Bad Request");
      }
      bytes.write(hi * 16 + lo);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ApiException(400, "Bad Request");
    }
  }
}
