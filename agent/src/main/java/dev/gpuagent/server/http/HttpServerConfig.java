package dev.gpuagent.server.http;

import java.time.Duration;

/**
 * Settings of one HTTP listener, validated once here.
 *
 * @param host address to bind ({@code 127.0.0.1}, {@code 0.0.0.0}, ...)
 * @param port port to bind; 0 picks a free one (the server reports it)
 * @param maxBodyBytes request bodies over this are answered 413 without being buffered
 * @param ioThreads Netty event-loop threads (socket I/O only)
 * @param handlerThreads threads that run route handlers (they may block on the store)
 * @param handlerQueue requests waiting for a handler thread before new ones are answered 503
 * @param idleTimeout an idle keep-alive connection is closed after this
 * @param shutdownTimeout how long {@code close()} waits for in-flight handlers
 */
public record HttpServerConfig(
    String host,
    int port,
    int maxBodyBytes,
    int ioThreads,
    int handlerThreads,
    int handlerQueue,
    Duration idleTimeout,
    Duration shutdownTimeout) {

  public static final int DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

  public HttpServerConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("http host must be set");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http port must be 0..65535, got " + port);
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("max body bytes must be positive, got " + maxBodyBytes);
    }
    if (ioThreads < 1 || handlerThreads < 1 || handlerQueue < 1) {
      throw new IllegalArgumentException(
          "io threads, handler threads and handler queue must be >= 1, got "
              + ioThreads + ", " + handlerThreads + ", " + handlerQueue);
    }
    if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
    }
    if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("shutdown timeout must be >= 0, got " + shutdownTimeout);
    }
  }

  /** Defaults for a listener on {@code host:port}: 32 MiB bodies, 16 handler threads. */
  public static HttpServerConfig defaults(String host, int port) {
    int cores = Runtime.getRuntime().availableProcessors();
    return new HttpServerConfig(
        host,
        port,
        DEFAULT_MAX_BODY_BYTES,
        Math.max(1, Math.min(4, cores)),
        16,
        1024,
        Duration.ofSeconds(75),
        Duration.ofSeconds(10));
  }

  public HttpServerConfig withMaxBodyBytes(int bytes) {
    return new HttpServerConfig(
        host, port, bytes, ioThreads, handlerThreads, handlerQueue, idleTimeout, shutdownTimeout);
  }

  public HttpServerConfig withHandlerThreads(int threads, int queue) {
    return new HttpServerConfig(
        host, port, maxBodyBytes, ioThreads, threads, queue, idleTimeout, shutdownTimeout);
  }

  public HttpServerConfig withIdleTimeout(Duration timeout) {
    return new HttpServerConfig(
        host, port, maxBodyBytes, ioThreads, handlerThreads, handlerQueue, timeout, shutdownTimeout);
  }
}
