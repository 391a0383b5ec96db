package dev.gpuagent.server.http;

/**
 * Answers one request. Runs on the server's bounded handler pool, never on a Netty event loop, so it
 * may block (JDBC, file I/O). Throw {@link ApiException} (or {@link ValidationException}) for a
 * 4xx; anything else thrown is logged with the request id and answered {@code 500 {"detail":
 * "internal error"}}.
 */
@FunctionalInterface
public interface RouteHandler {
  Response handle(Request request) throws Exception;
}
