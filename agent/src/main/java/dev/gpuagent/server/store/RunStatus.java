package dev.gpuagent.server.store;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A run's status, spelled as the API spells it (DESIGN section 2): {@code not-started -> queued ->
 * started -> running -> uploading ->} one terminal status. A terminal status never changes.
 */
public enum RunStatus {
  NOT_STARTED("not-started"),
  QUEUED("queued"),
  STARTED("started"),
  RUNNING("running"),
  UPLOADING("uploading"),
  SUCCESS("success"),
  FAILED("failed"),
  TIMEOUT("timeout"),
  CANCELLED("cancelled");

  /** The statuses that never change. */
  public static final Set<RunStatus> TERMINAL = EnumSet.of(SUCCESS, FAILED, TIMEOUT, CANCELLED);
  /** The statuses of a run that a worker holds a lease on. */
  public static final Set<RunStatus> LEASED = EnumSet.of(STARTED, RUNNING, UPLOADING);

  private final String wireName;

  RunStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The status as the API and the database spell it. */
  public String wireName() {
    return wireName;
  }

  public boolean isTerminal() {
    return TERMINAL.contains(this);
  }

  public boolean isLeased() {
    return LEASED.contains(this);
  }

  /** The status spelled {@code wireName}. */
  public static RunStatus of(String wireName) {
    for (RunStatus status : values()) {
      if (status.wireName.equals(wireName)) {
        return status;
      }
    }
    throw new IllegalArgumentException("unknown run status '" + wireName + "'");
  }

  /** The server status for how the engine ended a run. */
  public static RunStatus of(dev.gpuagent.engine.RunStatus engineStatus) {
    return of(engineStatus.wireName());
  }

  /** {@code ('a', 'b')}: an SQL list literal of the statuses (constants, never user input). */
  static String sqlList(Set<RunStatus> statuses) {
    return Arrays.stream(values()).filter(statuses::contains)
        .map(s -> "'" + s.wireName + "'").collect(Collectors.joining(", ", "(", ")"));
  }
}
