package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a slot runs on: one GPU device, or CPU threads. */
public enum SlotKind {
  GPU,
  CPU;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static SlotKind fromWire(String value) {
    return Wire.enumValue(SlotKind.class, value, "kind");
  }
}
