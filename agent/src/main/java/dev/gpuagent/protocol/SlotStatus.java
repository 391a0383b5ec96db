package dev.gpuagent.protocol;

/** A slot's state in a heartbeat. */
public record SlotStatus(String slotId, SlotState state) {
  public SlotStatus {
    Check.id(slotId, "slot_id");
    Check.required(state, "state");
  }
}
