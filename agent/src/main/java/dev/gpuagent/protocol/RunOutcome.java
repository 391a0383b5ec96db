package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The terminal status a worker reports in {@code run_finished}. */
public enum RunOutcome {
  SUCCESS,
  FAILED,
  CANCELLED,
  TIMEOUT;

  /** The status as the API spells it. */
  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static RunOutcome fromWire(String value) {
    return Wire.enumValue(RunOutcome.class, value, "status");
  }
}
