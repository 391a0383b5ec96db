package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A slot's state as the worker sees it, reported in every heartbeat. */
public enum SlotState {
  /** Free: the server may lease a run to it. */
  IDLE("idle"),
  /** Running (or finishing) a lease. */
  BUSY("busy"),
  /** The device failed (a sticky CUDA error): the server must not lease to it. */
  UNHEALTHY("unhealthy");

  private final String wire;

  SlotState(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator
  public static SlotState fromWire(String value) {
    return Wire.enumValue(SlotState.class, value, "state");
  }
}
