package dev.gpuagent.metrics;

import java.time.Duration;
import java.util.Arrays;

/**
 * Histogram boundaries, explicit because Micrometer's defaults stop at 30 s and a run can take
 * hours. Boundaries are strictly increasing; every histogram also has the implicit {@code +Inf}.
 */
public record Buckets(double[] bounds) {
  /** Runs and nodes: 1 ms .. 4 h (22 buckets), in seconds. */
  public static final Buckets DURATIONS =
      new Buckets(
          0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
          600, 1800, 3600, 7200, 14400);

  /** Short latencies (dispatch, cancel, HTTP requests): 100 us .. 10 s, in seconds. */
  public static final Buckets LATENCIES =
      new Buckets(
          0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
          5, 10);

  /** Sizes: 1 KiB .. 4 GiB, powers of four, in bytes. */
  public static final Buckets SIZES = powers(1024, 4, 12);

  public Buckets {
    if (bounds == null || bounds.length == 0) {
      throw new IllegalArgumentException("a histogram needs at least one bucket boundary");
    }
    bounds = bounds.clone();
    for (int i = 0; i < bounds.length; i++) {
      if (!Double.isFinite(bounds[i]) || bounds[i] <= 0) {
        throw new IllegalArgumentException("bucket boundaries must be finite and > 0: " + bounds[i]);
      }
      if (i > 0 && bounds[i] <= bounds[i - 1]) {
        throw new IllegalArgumentException("bucket boundaries must increase: " + Arrays.toString(bounds));
      }
    }
  }

  public Buckets(double first, double... rest) {
    this(prepend(first, rest));
  }

  /** {@code count} boundaries: {@code start}, {@code start * factor}, ... */
  public static Buckets powers(double start, double factor, int count) {
    double[] bounds = new double[count];
    double value = start;
    for (int i = 0; i < count; i++) {
      bounds[i] = value;
      value *= factor;
    }
    return new Buckets(bounds);
  }

  @Override
  public double[] bounds() {
    return bounds.clone();
  }

  public double first() {
    return bounds[0];
  }

  public double last() {
    return bounds[bounds.length - 1];
  }

  /** The boundaries as durations, for Micrometer timers (whose boundaries are in seconds here). */
  Duration[] asDurations() {
    Duration[] durations = new Duration[bounds.length];
    for (int i = 0; i < bounds.length; i++) {
      durations[i] = Duration.ofNanos(Math.round(bounds[i] * 1e9));
    }
    return durations;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Buckets that && Arrays.equals(bounds, that.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }

  @Override
  public String toString() {
    return "Buckets" + Arrays.toString(bounds);
  }

  private static double[] prepend(double first, double[] rest) {
    double[] all = new double[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
