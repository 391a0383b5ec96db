package dev.gpuagent.worker;

import dev.gpuagent.protocol.Backoff;
import dev.gpuagent.protocol.Protocol;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Output uploads over HTTP (docs/protocol.md section 10): {@code PUT} of the raw bytes with the
 * worker token and the lease's fencing token. A network error or a 5xx is retried with the
 * reconnect backoff, up to 5 tries; a 409 means the lease is stale and stops at once.
 *
 * <p>Goes through {@link HttpPutClient} on the worker's Netty event loop: keep-alive connections,
 * no threads of its own. The JDK's HTTP client did this before, but its selector thread and executor
 * hand-offs cost about 8% of the CPU at a few hundred runs a second. The client completes on the event
 * loop, so what runs there must stay light: this class only completes {@code done} or schedules a
 * retry on the timer; the run's {@code run_finished} follows from {@code done} (LeaseExecution).
 */
final class Uploads {
  private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);
  static final int MAX_TRIES = 5;

  /** How an upload ended. */
  enum Outcome { STORED, STALE, REFUSED, FAILED, CANCELLED }

  private final HttpPutClient client;
  private final String token;
  private final ScheduledExecutorService timer;
  private final RandomGenerator random;

  Uploads(HttpPutClient client, String token, ScheduledExecutorService timer, RandomGenerator random) {
    this.client = client;
    this.token = token;
    this.timer = timer;
    this.random = random;
  }

  /** The URL one file goes to: the lease's {@code upload_url} with the name filled in. */
  static URI target(URI base, String uploadUrl, String filename, String subfolder) {
    String url = uploadUrl.replace("{filename}", encodePath(filename));
    if (subfolder != null && !subfolder.isEmpty()) {
      url += (url.contains("?") ? "&" : "?") + "subfolder=" + URLEncoder.encode(subfolder, StandardCharsets.UTF_8)
          .replace("+", "%20");
    }
    return base.resolve(url);
  }

  /** Percent-encodes a path segment (RFC 3986): everything but unreserved characters. */
  static String encodePath(String segment) {
    StringBuilder out = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return out.toString();
  }

  /**
   * Uploads {@code data} to {@code target}; completes with the outcome, never exceptionally.
   *
   * @param stopped checked before every try: true once the run was cancelled or abandoned
   */
  CompletableFuture<Outcome> put(URI target, long fencingToken, String contentType, byte[] data,
      java.util.function.BooleanSupplier stopped) {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    attempt(target, fencingToken, contentType, data, stopped, 0, done);
    return done;
  }

  private void attempt(URI target, long fencingToken, String contentType, byte[] data,
      java.util.function.BooleanSupplier stopped, int failures, CompletableFuture<Outcome> done) {
    if (stopped.getAsBoolean()) {
      done.complete(Outcome.CANCELLED);
      return;
    }
    Map<String, String> headers = Map.of(
        "Authorization", "Bearer " + token,
        Protocol.FENCING_TOKEN_HEADER, Long.toString(fencingToken),
        "Content-Type", contentType);
    client.put(target, headers, data).whenComplete((response, error) -> {
      if (error == null && response.status() / 100 == 2) {
        done.complete(Outcome.STORED);
        return;
      }
      if (error == null && response.status() == 409) {
        LOG.info("upload to {} refused as stale: {}", target.getPath(), response.body());
        done.complete(Outcome.STALE);
        return;
      }
      if (error == null && response.status() < 500) {
        LOG.warn("upload to {} refused: HTTP {} {}", target.getPath(), response.status(), response.body());
        done.complete(Outcome.REFUSED);
        return;
      }
      String why = error != null ? describe(error) : "HTTP " + response.status();
      if (failures + 1 >= MAX_TRIES) {
        LOG.warn("upload to {} failed {} times, last: {}", target.getPath(), MAX_TRIES, why);
        done.complete(Outcome.FAILED);
        return;
      }
      long delay = Backoff.RECONNECT.delay(failures, random).toMillis();
      LOG.info("upload to {} failed ({}); retrying in {} ms", target.getPath(), why, delay);
      timer.schedule(() -> attempt(target, fencingToken, contentType, data, stopped, failures + 1, done), delay,
          TimeUnit.MILLISECONDS);
    });
  }

  private static String describe(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    return cause instanceof IOException ? cause.toString() : String.valueOf(cause);
  }

  /** The Content-Type for an output file, by its extension. */
  static String contentType(String filename) {
    String lower = filename.toLowerCase(java.util.Locale.ROOT);
    if (lower.endsWith(".png")) {
      return "image/png";
    }
    if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
      return "image/jpeg";
    }
    if (lower.endsWith(".webp")) {
      return "image/webp";
    }
    if (lower.endsWith(".txt")) {
      return "text/plain; charset=utf-8";
    }
    return "application/octet-stream";
  }
}
