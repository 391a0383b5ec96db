package dev.gpuagent.server.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One HTTP request as a route handler sees it: the body fully read (bounded by the server's body
 * limit; on the routes of a {@link BodySpool}, in {@code spooledBody} instead of {@code body}), path
 * parameters percent-decoded, and the principal set by the route's {@link Authenticator} (null on routes without one). Path and query parameters keep their order. {@code path} is the raw path as sent, without the
 * query; signed URLs sign it. The body array is shared, not copied: handlers must not modify it.
 *
 * @param id the request id (also the {@code X-Request-Id} response header and the log MDC key
 *     {@code request_id})
 */
public record Request(
    String id,
    String method,
    String path,
    Map<String, String> pathParams,
    Map<String, List<String>> query,
    Headers headers,
    byte[] body,
    InetSocketAddress remoteAddress,
    Object principal,
    SpooledBody spooledBody) {

  /** A request whose body is in memory. */
  public Request(String id, String method, String path, Map<String, String> pathParams,
      Map<String, List<String>> query, Headers headers, byte[] body, InetSocketAddress remoteAddress,
      Object principal) {
    this(id, method, path, pathParams, query, headers, body, remoteAddress, principal, null);
  }

  public Request {
    pathParams = Collections.unmodifiableMap(new LinkedHashMap<>(pathParams));
    Map<String, List<String>> ordered = new LinkedHashMap<>();
    query.forEach((name, values) -> ordered.put(name, List.copyOf(values)));
    query = Collections.unmodifiableMap(ordered);
    body = body == null ? new byte[0] : body;
  }

  /** A request with only what a route match needs (tests, fakes). */
  public static Request of(String method, String path, byte[] body) {
    return new Request("test", method, path, Map.of(), Map.of(), Headers.EMPTY, body, null, null);
  }

  public Request withPathParams(Map<String, String> params) {
    return new Request(id, method, path, params, query, headers, body, remoteAddress, principal, spooledBody);
  }

  public Request withPrincipal(Object newPrincipal) {
    return new Request(id, method, path, pathParams, query, headers, body, remoteAddress, newPrincipal, spooledBody);
  }

  public Request withHeaders(Headers newHeaders) {
    return new Request(id, method, path, pathParams, query, newHeaders, body, remoteAddress, principal, spooledBody);
  }

  public Request withQuery(Map<String, List<String>> newQuery) {
    return new Request(id, method, path, pathParams, newQuery, headers, body, remoteAddress, principal, spooledBody);
  }

  /**
   * The body as a stream: the spooled file of a streamed request ({@link BodySpool}), else the bytes.
   * The caller closes it.
   */
  public InputStream bodyStream() throws IOException {
    return spooledBody == null ? new ByteArrayInputStream(body) : spooledBody.open();
  }

  /** The body's size in bytes, wherever it is. */
  public long bodySize() {
    return spooledBody == null ? body.length : spooledBody.size();
  }

  /** A path parameter of the matched route; a name the route does not declare is a bug. */
  public String pathParam(String name) {
    String value = pathParams.get(name);
    if (value == null) {
      throw new IllegalArgumentException("route has no path parameter {" + name + "}");
    }
    return value;
  }

  /** A path parameter that must be a UUID: malformed is 422 with loc ["path", name]. */
  public UUID pathUuid(String name) {
    return Uuids.parse(pathParam(name), List.of("path", name));
  }

  /** The first value of a query parameter. */
  public Optional<String> queryParam(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
  }

  public Optional<String> header(String name) {
    return headers.first(name);
  }

  /** The authenticated principal as {@code type}; fails if the route is not authenticated. */
  public <T> T principal(Class<T> type) {
    if (principal == null) {
      throw new IllegalStateException("request " + id + " has no principal: route is not authenticated");
    }
    return type.cast(principal);
  }

  /** Never prints the body, headers' values or the principal. */
  @Override
  public String toString() {
    return "Request[" + id + " " + method + " " + path + "]";
  }
}
