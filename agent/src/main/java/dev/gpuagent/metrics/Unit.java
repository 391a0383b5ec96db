package dev.gpuagent.metrics;

/** Prometheus base units; the unit becomes the name's suffix ({@code _bytes}, {@code _seconds}). */
public enum Unit {
  NONE(null),
  BYTES("bytes"),
  SECONDS("seconds"),
  RATIO("ratio");

  private final String baseUnit;

  Unit(String baseUnit) {
    this.baseUnit = baseUnit;
  }

  /** The Micrometer base unit, or {@code null} for a plain count. */
  String baseUnit() {
    return baseUnit;
  }
}
