package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a slot runs on: one GPU device, or CPU threads. */
public enum SlotKind {
  GPU("gpu"),
  CPU("cpu");

  private final String wire;

  SlotKind(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator
  public static SlotKind fromWire(String value) {
    return Wire.enumValue(SlotKind.class, value, "kind");
  }
}
