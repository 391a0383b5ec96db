package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A slot's state as the worker sees it, reported in every heartbeat. */
public enum SlotState {
  /** Free: the server may lease a run to it. */
  IDLE,
  /** Running (or finishing) a lease. */
  BUSY,
  /** The device failed (a sticky CUDA error): the server must not lease to it. */
  UNHEALTHY;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static SlotState fromWire(String value) {
    return Wire.enumValue(SlotState.class, value, "state");
  }
}
