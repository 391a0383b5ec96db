package dev.gpuagent.server.webhooks;

import dev.gpuagent.protocol.Backoff;
import java.time.Duration;
import java.util.Objects;

/**
 * How the sender delivers.
 *
 * @param maxAttempts tries per event before it is given up (the first send counts)
 * @param backoff wait between tries: full jitter in {@code [0, min(cap, base * 2^(n-1))]} after try n
 * @param connectTimeout TCP/TLS connect limit of one try
 * @param requestTimeout limit of one try from sending to the response headers
 * @param pollInterval how often the outbox is read when nothing wakes the sender (events queued by
 *     another process, retries after a restart)
 * @param batch most events read from the outbox at once (and so most in flight)
 */
public record WebhookSettings(int maxAttempts, Backoff backoff, Duration connectTimeout, Duration requestTimeout,
    Duration pollInterval, int batch) {
  public static final int DEFAULT_MAX_ATTEMPTS = 8;
  public static final Backoff DEFAULT_BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

  public WebhookSettings {
    if (maxAttempts < 1 || maxAttempts > 100) {
      throw new IllegalArgumentException("webhook max attempts must be 1..100, got " + maxAttempts);
    }
    Objects.requireNonNull(backoff, "backoff");
    positive(connectTimeout, "connectTimeout");
    positive(requestTimeout, "requestTimeout");
    positive(pollInterval, "pollInterval");
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be positive, got " + batch);
    }
  }

  /** 8 tries, 1 s base, 5 min cap, 5 s connect, 10 s request, 1 s poll, 256 at once. */
  public static WebhookSettings defaults() {
    return new WebhookSettings(DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF, Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(1), 256);
  }

  public WebhookSettings withMaxAttempts(int attempts) {
    return new WebhookSettings(attempts, backoff, connectTimeout, requestTimeout, pollInterval, batch);
  }

  public WebhookSettings withBackoff(Backoff wait) {
    return new WebhookSettings(maxAttempts, wait, connectTimeout, requestTimeout, pollInterval, batch);
  }

  public WebhookSettings withRequestTimeout(Duration timeout) {
    return new WebhookSettings(maxAttempts, backoff, connectTimeout, timeout, pollInterval, batch);
  }

  public WebhookSettings withPollInterval(Duration interval) {
    return new WebhookSettings(maxAttempts, backoff, connectTimeout, requestTimeout, interval, batch);
  }

  private static void positive(Duration duration, String name) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
