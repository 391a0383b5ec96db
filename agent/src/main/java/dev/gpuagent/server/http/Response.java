package dev.gpuagent.server.http;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a route handler returns: a status, extra headers and a body. {@code Content-Type} and {@code
 * Content-Length} come from the body; {@code headers} holds the rest (Allow, WWW-Authenticate,
 * Cache-Control, ...). JSON bodies are serialised when the response is made, on the handler's
 * thread, so a serialisation error is the handler's 500, not the event loop's.
 */
public record Response(int status, Map<String, String> headers, Body body) {
  public static final String JSON = "application/json";

  /** A response body: nothing, bytes in memory, or a file streamed from disk. */
  public sealed interface Body permits Empty, Bytes, FileBody {}

  public record Empty() implements Body {}

  public record Bytes(byte[] data, String contentType) implements Body {
    public Bytes {
      if (data == null || contentType == null) {
        throw new IllegalArgumentException("bytes and a content type are required");
      }
    }
  }

  /** Streamed with zero-copy file transfer; a file missing at send time becomes a 404. */
  public record FileBody(Path path, String contentType) implements Body {
    public FileBody {
      if (path == null || contentType == null) {
        throw new IllegalArgumentException("a path and a content type are required");
      }
    }
  }

  public Response {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be 200..599: " + status);
    }
    headers = Map.copyOf(headers);
    if (body == null) {
      body = new Empty();
    }
  }

  public static Response json(int status, Object value) {
    return new Response(status, Map.of(), new Bytes(Json.write(value), JSON));
  }

  public static Response ok(Object value) {
    return json(200, value);
  }

  /** FastAPI's shape for every error that is not a validation error: {@code {"detail": message}}. */
  public static Response detail(int status, String message) {
    return json(status, Map.of("detail", message));
  }

  public static Response bytes(int status, byte[] data, String contentType) {
    return new Response(status, Map.of(), new Bytes(data, contentType));
  }

  public static Response text(int status, String text) {
    return bytes(status, text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
  }

  public static Response file(Path path, String contentType) {
    return new Response(200, Map.of(), new FileBody(path, contentType));
  }

  public static Response empty(int status) {
    return new Response(status, Map.of(), new Empty());
  }

  /** This response with one more header (replacing one of the same name, ignoring case). */
  public Response withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>();
    headers.forEach(
        (key, existing) -> {
          if (!key.equalsIgnoreCase(name)) {
            copy.put(key, existing);
          }
        });
    copy.put(name, value);
    return new Response(status, copy, body);
  }

  @Override
  public String toString() {
    return "Response[" + status + " " + body.getClass().getSimpleName() + "]";
  }
}
