package dev.gpuagent.protocol;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: after the n-th consecutive failure (n = 0 for the first),
 * wait a uniformly random time in {@code [0, min(cap, base * 2^n)]}. Workers use {@link #RECONNECT}
 * between connection attempts and output upload retries, and reset n after a {@code welcome}.
 */
public record Backoff(Duration base, Duration cap) {
  /** docs/protocol.md: base 0.5 s, cap 30 s. */
  public static final Backoff RECONNECT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));

  public Backoff {
    if (base == null || cap == null || base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < base <= cap");
    }
  }

  /** The upper bound of the wait after failure {@code failures} (0-based), in nanoseconds. */
  public long ceilingNanos(int failures) {
    if (failures < 0) {
      throw new IllegalArgumentException("failures must not be negative");
    }
    long baseNanos = base.toNanos();
    long capNanos = cap.toNanos();
    int shift = Math.min(failures, 62);
    return baseNanos > (capNanos >> shift) ? capNanos : Math.min(capNanos, baseNanos << shift);
  }

  /** A random wait in {@code [0, ceiling]} after failure {@code failures} (0-based). */
  public Duration delay(int failures, RandomGenerator random) {
    return Duration.ofNanos(random.nextLong(ceilingNanos(failures) + 1));
  }
}
