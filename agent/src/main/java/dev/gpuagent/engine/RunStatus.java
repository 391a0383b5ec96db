package dev.gpuagent.engine;

/** How a run ended in the engine. The server's wider status list builds on these four. */
public enum RunStatus {
  SUCCESS("success"),
  FAILED("failed"),
  CANCELLED("cancelled"),
  TIMEOUT("timeout");

  private final String wireName;

  RunStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The status as the API spells it. */
  public String wireName() {
    return wireName;
  }
}
