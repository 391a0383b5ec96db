package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The terminal status a worker reports in {@code run_finished}. */
public enum RunOutcome {
  SUCCESS("success"),
  FAILED("failed"),
  CANCELLED("cancelled"),
  TIMEOUT("timeout");

  private final String wire;

  RunOutcome(String wire) {
    this.wire = wire;
  }

  /** The status as the API spells it. */
  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator
  public static RunOutcome fromWire(String value) {
    return Wire.enumValue(RunOutcome.class, value, "status");
  }
}
