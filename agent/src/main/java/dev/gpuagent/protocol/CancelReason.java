package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why the server stops a run: a {@code /cancel} call, or the run's timeout. */
public enum CancelReason {
  CANCELLED,
  TIMEOUT;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status the worker confirms this cancel with in {@code run_finished}. */
  public RunOutcome outcome() {
    return this == CANCELLED ? RunOutcome.CANCELLED : RunOutcome.TIMEOUT;
  }

  @JsonCreator
  public static CancelReason fromWire(String value) {
    return Wire.enumValue(CancelReason.class, value, "reason");
  }
}
