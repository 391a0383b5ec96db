package dev.gpuagent.server.http;

import java.util.Map;

/**
 * An error a handler throws to answer with a 4xx (or 503): the router turns it into {@code
 * {"detail": message}} with this status. Anything else a handler throws is a 500 whose details stay
 * in the log. No stack trace is taken: these are answers, not bugs.
 */
public sealed class ApiException extends RuntimeException permits ValidationException {
  private final int status;
  private final Map<String, String> headers;

  public ApiException(int status, String detail) {
    this(status, detail, Map.of());
  }

  public ApiException(int status, String detail, Map<String, String> headers) {
    super(detail, null, false, false);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("an error status is 4xx or 5xx: " + status);
    }
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  public static ApiException notFound() {
    return new ApiException(404, "Not Found");
  }

  /** 401 with {@code WWW-Authenticate: Bearer}. */
  public static ApiException unauthorized(String detail) {
    return new ApiException(401, detail, Map.of("WWW-Authenticate", "Bearer"));
  }

  public static ApiException forbidden(String detail) {
    return new ApiException(403, detail);
  }

  public static ApiException conflict(String detail) {
    return new ApiException(409, detail);
  }

  public int status() {
    return status;
  }

  public String detail() {
    return getMessage();
  }

  public Response toResponse() {
    Response response = Response.detail(status, detail());
    for (Map.Entry<String, String> header : headers.entrySet()) {
      response = response.withHeader(header.getKey(), header.getValue());
    }
    return response;
  }
}
