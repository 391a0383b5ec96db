package dev.gpuagent.server.dispatch;

import dev.gpuagent.protocol.Protocol;
import java.time.Duration;
import java.util.Objects;

/**
 * The intervals and limits the server announces in {@code welcome} and follows itself.
 *
 * @param heartbeatInterval how often workers heartbeat; 3 of them without a frame close the connection (4002)
 * @param leaseTtl how long a lease lives without renewal (longer than the heartbeat interval)
 * @param progressInterval the workers' progress coalescing interval
 * @param maxUploadBytes the upload limit announced to workers
 * @param maxFrameBytes the largest frame the server accepts (larger ones close with 1009)
 * @param sweepInterval how often expired leases and overdue runs are swept (at most 1 s)
 * @param helloTimeout how long a new connection may take to send {@code hello} (4001)
 * @param serverVersion announced in {@code welcome}
 */
public record DispatchSettings(Duration heartbeatInterval, Duration leaseTtl, Duration progressInterval,
    long maxUploadBytes, int maxFrameBytes, Duration sweepInterval, Duration helloTimeout, String serverVersion) {

  public DispatchSettings {
    positive(heartbeatInterval, "heartbeatInterval");
    positive(leaseTtl, "leaseTtl");
    if (leaseTtl.compareTo(heartbeatInterval) <= 0) {
      throw new IllegalArgumentException("leaseTtl must be longer than heartbeatInterval");
    }
    Objects.requireNonNull(progressInterval, "progressInterval");
    if (progressInterval.isNegative()) {
      throw new IllegalArgumentException("progressInterval must be >= 0");
    }
    if (maxUploadBytes < 1 || maxFrameBytes < 1) {
      throw new IllegalArgumentException("maxUploadBytes and maxFrameBytes must be positive");
    }
    positive(sweepInterval, "sweepInterval");
    if (sweepInterval.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new IllegalArgumentException("sweepInterval must be at most 1 s (docs/protocol.md section 15)");
    }
    positive(helloTimeout, "helloTimeout");
    if (serverVersion == null || serverVersion.isBlank()) {
      throw new IllegalArgumentException("serverVersion must be set");
    }
  }

  /** The protocol's defaults (docs/protocol.md section 15). */
  public static DispatchSettings defaults() {
    return new DispatchSettings(Protocol.DEFAULT_HEARTBEAT_INTERVAL, Protocol.DEFAULT_LEASE_TTL,
        Protocol.DEFAULT_PROGRESS_INTERVAL, Protocol.DEFAULT_MAX_UPLOAD_BYTES, Protocol.DEFAULT_MAX_FRAME_BYTES,
        Duration.ofSeconds(1), Protocol.HELLO_TIMEOUT, "0.1.0");
  }

  public DispatchSettings withHeartbeat(Duration heartbeat, Duration ttl) {
    return new DispatchSettings(heartbeat, ttl, progressInterval, maxUploadBytes, maxFrameBytes, sweepInterval,
        helloTimeout, serverVersion);
  }

  public DispatchSettings withSweepInterval(Duration interval) {
    return new DispatchSettings(heartbeatInterval, leaseTtl, progressInterval, maxUploadBytes, maxFrameBytes, interval,
        helloTimeout, serverVersion);
  }

  public DispatchSettings withMaxFrameBytes(int bytes) {
    return new DispatchSettings(heartbeatInterval, leaseTtl, progressInterval, maxUploadBytes, bytes, sweepInterval,
        helloTimeout, serverVersion);
  }

  public DispatchSettings withHelloTimeout(Duration timeout) {
    return new DispatchSettings(heartbeatInterval, leaseTtl, progressInterval, maxUploadBytes, maxFrameBytes,
        sweepInterval, timeout, serverVersion);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
