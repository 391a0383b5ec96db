package dev.gpuagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final long MS = 1_000_000L;

  @Test
  void reconnectCeilingsDoubleFromHalfASecondUpToThirtySeconds() {
    long[] expectedMs = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (int n = 0; n < expectedMs.length; n++) {
      assertEquals(expectedMs[n] * MS, Backoff.RECONNECT.ceilingNanos(n), "failure " + n);
    }
  }

  @Test
  void hugeFailureCountsStayAtTheCapWithoutOverflow() {
    assertEquals(30_000 * MS, Backoff.RECONNECT.ceilingNanos(63));
    assertEquals(30_000 * MS, Backoff.RECONNECT.ceilingNanos(Integer.MAX_VALUE));
  }

  @Test
  void delaysAreFullJitterBetweenZeroAndTheCeiling() {
    SplittableRandom random = new SplittableRandom(42);
    long ceiling = Backoff.RECONNECT.ceilingNanos(3);
    long min = Long.MAX_VALUE;
    long max = 0;
    double sum = 0;
    int draws = 20_000;
    for (int i = 0; i < draws; i++) {
      long d = Backoff.RECONNECT.delay(3, random).toNanos();
      assertTrue(d >= 0 && d <= ceiling, "delay " + d);
      min = Math.min(min, d);
      max = Math.max(max, d);
      sum += d;
    }
    double mean = sum / draws;
    assertTrue(Math.abs(mean - ceiling / 2.0) < ceiling * 0.02, "mean " + mean + " of ceiling " + ceiling);
    assertTrue(min < ceiling * 0.01 && max > ceiling * 0.99, "draws cover the whole range");
  }

  @Test
  void invalidSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(null, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> Backoff.RECONNECT.ceilingNanos(-1));
  }
}
