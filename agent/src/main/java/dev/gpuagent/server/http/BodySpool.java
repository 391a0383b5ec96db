package dev.gpuagent.server.http;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Requests whose body is written to a file as it arrives instead of being aggregated in memory (output
 * uploads): their limit is {@code maxBytes}, not the listener's {@code max_body_bytes}. A body declared
 * ({@code Content-Length}) or found (chunked) larger is dropped as it arrives and answered {@code 413
 * {"detail": tooLargeDetail}}; the route handler sees the file, its size and SHA-256 through {@link
 * Request#spooledBody()} (or reads it with {@link Request#bodyStream()}), and the file is deleted once
 * the handler returns unless the handler moved it away ({@link SpooledBody#moveTo}: keep {@code dir}
 * on the file system of the files' final place for that rename to work).
 *
 * @param method the method of such requests ({@code PUT})
 * @param paths which raw paths of that method stream
 * @param maxBytes the largest body accepted
 * @param dir where the files are written while a request is read (created if missing)
 * @param tooLargeDetail the 413's {@code detail}
 */
public record BodySpool(String method, Predicate<String> paths, long maxBytes, Path dir, String tooLargeDetail) {
  public BodySpool {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(paths, "paths");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(tooLargeDetail, "tooLargeDetail");
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive");
    }
  }
}
