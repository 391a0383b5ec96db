package dev.gpuagent.server.store;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The answer to a guarded change of a run (progress, status, cancel, release): it was applied, it
 * was refused (with the run as it stands, so the caller can say why), or the run does not exist
 * (or belongs to another organisation).
 */
public sealed interface Transition {

  /** Why a change was refused. */
  enum Refusal {
    /** The run already has a terminal status: the first terminal status won and never changes. */
    TERMINAL,
    /** The fencing token is not the current lease's, or the run is no longer leased: abandon it. */
    STALE_LEASE,
    /** The change is not a forward step from the run's status (uploading back to running, say). */
    NOT_ALLOWED
  }

  /**
   * The change was made; {@code run} is the record after it, {@code before} the status it had before
   * (read in the same transaction).
   */
  record Applied(Run run, RunStatus before) implements Transition {
    public Applied {
      Objects.requireNonNull(run, "run");
      Objects.requireNonNull(before, "before");
    }

    /** Whether the change moved the run to another status (not only progress or live status). */
    public boolean statusChanged() {
      return run.status() != before;
    }
  }

  /** The change was not made; {@code run} is the record as it stands. */
  record Refused(Run run, Refusal reason) implements Transition {
    public Refused {
      Objects.requireNonNull(run, "run");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** No such run (in the caller's organisation, where the change was scoped to one). */
  record NotFound(UUID runId) implements Transition {}

  default boolean applied() {
    return this instanceof Applied;
  }

  /** The record after the change, or as it stands when refused; empty when not found. */
  default Optional<Run> current() {
    return switch (this) {
      case Applied a -> Optional.of(a.run());
      case Refused r -> Optional.of(r.run());
      case NotFound n -> Optional.empty();
    };
  }
}
