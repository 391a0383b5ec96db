package dev.gpuagent.server.store;

import static dev.gpuagent.server.store.RunRows.CHANGED_COLUMNS;
import static dev.gpuagent.server.store.RunRows.COLUMNS;
import static dev.gpuagent.server.store.RunRows.LEASED;
import static dev.gpuagent.server.store.RunRows.TERMINAL;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The guarded changes of a run. Each is one {@code UPDATE ... RETURNING} whose WHERE clause is the
 * guard: the terminal guard ({@code status NOT IN} the terminal statuses) and, for a worker's
 * change, the fencing token of the current lease. When the guard refuses, the run is read back in
 * the same transaction to say why.
 */
final class RunTransitions {
  /** Clears the lease bookkeeping of a run that ends. */
  private static final String END = "lease_expires_at = NULL, deadline_at = NULL";
  /** Puts a run back in the queue, at its old place. */
  private static final String REQUEUE = "status = 'queued', machine_id = NULL, gpu = NULL, gpu_event_id = NULL,"
      + " lease_expires_at = NULL, deadline_at = NULL, started_at = NULL, progress = 0";

  private final Database db;
  private final Clock clock;

  RunTransitions(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  private Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  CompletableFuture<Transition> updateProgress(UUID runId, long fencingToken, double progress, String liveStatus) {
    if (!(progress >= 0 && progress <= 1)) {
      throw new IllegalArgumentException("progress must be within 0..1, got " + progress);
    }
    return db.writeAsync(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE runs SET progress = ?, live_status = COALESCE(?, live_status),"
          + " updated_at = ? WHERE id = ? AND fencing_token = ? AND status IN " + LEASED + " RETURNING " + CHANGED_COLUMNS)) {
        s.setDouble(1, progress);
        Jdbc.setString(s, 2, liveStatus);
        Jdbc.setInstant(s, 3, now());
        Jdbc.setUuid(s, 4, runId);
        s.setLong(5, fencingToken);
        return outcome(c, RunRows.one(s), null, runId, fencingToken); // progress never moves the status
      }
    });
  }

  CompletableFuture<Transition> setStatus(StatusUpdate update) {
    RunStatus target = update.status();
    String guard;
    if (target.isTerminal()) {
      guard = update.fencingToken() == null ? "status NOT IN " + TERMINAL
          : "status IN " + LEASED + " AND fencing_token = ?";
    } else {
      Set<RunStatus> from = target == RunStatus.RUNNING ? Set.of(RunStatus.STARTED, RunStatus.RUNNING) : RunStatus.LEASED;
      guard = "status IN " + RunStatus.sqlList(from) + " AND fencing_token = ?";
    }
    String sql = "UPDATE runs SET status = ?, live_status = COALESCE(?, live_status), outputs = COALESCE(?, outputs),"
        + " error = COALESCE(?, error), updated_at = ?"
        + (target.isTerminal() ? ", ended_at = ?, " + END : "")
        + (target == RunStatus.SUCCESS ? ", progress = 1" : "")
        + " WHERE id = ? AND " + guard + " RETURNING " + CHANGED_COLUMNS;
    return db.writeAsync(c -> {
      Instant now = now();
      RunStatus before = statusOf(c, update.runId());
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        s.setString(i++, target.wireName());
        Jdbc.setString(s, i++, update.liveStatus());
        Jdbc.setString(s, i++, update.outputs());
        Jdbc.setString(s, i++, update.error());
        Jdbc.setInstant(s, i++, now);
        if (target.isTerminal()) {
          Jdbc.setInstant(s, i++, now);
        }
        Jdbc.setUuid(s, i++, update.runId());
        if (update.fencingToken() != null) {
          s.setLong(i, update.fencingToken());
        }
        Optional<Run> updated = RunRows.one(s);
        return outcome(c, updated, before, update.runId(), update.fencingToken());
      }
    });
  }

  CompletableFuture<Transition> cancel(UUID orgId, UUID runId) {
    return db.writeAsync(c -> {
      Instant now = now();
      RunStatus before = statusOf(c, runId);
      try (PreparedStatement s = c.prepareStatement("UPDATE runs SET status = 'cancelled', live_status = 'cancelled',"
          + " ended_at = ?, updated_at = ?, " + END + " WHERE id = ? AND org_id = ? AND status NOT IN " + TERMINAL
          + " RETURNING " + CHANGED_COLUMNS)) {
        Jdbc.setInstant(s, 1, now);
        Jdbc.setInstant(s, 2, now);
        Jdbc.setUuid(s, 3, runId);
        Jdbc.setUuid(s, 4, orgId);
        Optional<Run> cancelled = RunRows.one(s);
        if (cancelled.isPresent()) {
          return new Transition.Applied(cancelled.get(), before);
        }
      }
      Optional<Run> current = select(c, runId).filter(run -> run.orgId().equals(orgId));
      return current.<Transition>map(run -> new Transition.Refused(run, Transition.Refusal.TERMINAL))
          .orElseGet(() -> new Transition.NotFound(runId));
    });
  }

  CompletableFuture<Transition> release(UUID runId, long fencingToken, String reason) {
    return db.writeAsync(c -> {
      RunStatus before = statusOf(c, runId);
      Instant now = now();
      try (PreparedStatement s = c.prepareStatement("UPDATE runs SET " + REQUEUE + ", live_status = ?,"
          + " updated_at = ? WHERE id = ? AND fencing_token = ? AND status IN " + LEASED
          + " RETURNING " + CHANGED_COLUMNS)) {
        Jdbc.setString(s, 1, reason == null ? "released by its worker; re-queued" : reason);
        Jdbc.setInstant(s, 2, now);
        Jdbc.setUuid(s, 3, runId);
        s.setLong(4, fencingToken);
        return outcome(c, RunRows.one(s), before, runId, fencingToken);
      }
    });
  }

  ExpiredLeases requeueExpired(Instant now) {
    String expired = " WHERE lease_expires_at <= ? AND status IN " + LEASED;
    // Right-hand sides read the old row: lease_expiries + 1 is the attempt that just expired.
    String exhausted = "'worker lost: the lease expired on ' || (lease_expiries + 1) || ' attempts'";
    String fail = "UPDATE runs SET status = 'failed', lease_expiries = lease_expiries + 1, live_status = " + exhausted
        + ", error = '{\"type\": \"lease_expired\", \"message\": \"' || " + exhausted + " || '\"}', ended_at = ?,"
        + " updated_at = ?, " + END + expired + " AND lease_expiries + 1 >= max_attempts RETURNING " + CHANGED_COLUMNS;
    // queued_at is kept: the run returns to its original place (protocol.md section 6).
    String requeue = "UPDATE runs SET " + REQUEUE + ", lease_expiries = lease_expiries + 1, live_status ="
        + " 're-queued after the worker was lost (attempt ' || (lease_expiries + 2) || ' of ' || max_attempts || ')',"
        + " updated_at = ?" + expired + " RETURNING " + CHANGED_COLUMNS;
    Instant at = Jdbc.truncate(now);
    return db.write(c -> {
      List<Run> failed = sweep(c, fail, at, at, at); // first: the re-queue below would take these too
      return new ExpiredLeases(sweep(c, requeue, at, at), failed);
    });
  }

  List<Run> timeoutOverdue(Instant now) {
    String message = "'run exceeded its run_timeout_s of ' || run_timeout_s || ' s'";
    String sql = "UPDATE runs SET status = 'timeout', live_status = " + message + ", error = '{\"type\": \"timeout\","
        + " \"message\": \"' || " + message + " || '\"}', ended_at = ?, updated_at = ?, " + END
        + " WHERE deadline_at <= ? AND status IN " + LEASED + " RETURNING " + CHANGED_COLUMNS;
    Instant at = Jdbc.truncate(now);
    return db.write(c -> sweep(c, sql, at, at, at));
  }

  /** Runs an update whose parameters are all instants (ended at, updated at, the cut-off: {@code now}). */
  private static List<Run> sweep(Connection c, String sql, Instant... parameters) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        Jdbc.setInstant(s, i + 1, parameters[i]);
      }
      return RunRows.all(s);
    }
  }

  static Optional<Run> select(Connection c, UUID runId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE id = ?")) {
      Jdbc.setUuid(s, 1, runId);
      return RunRows.one(s);
    }
  }

  /** The run's status, or null when there is no such run. */
  private static RunStatus statusOf(Connection c, UUID runId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT status FROM runs WHERE id = ?")) {
      Jdbc.setUuid(s, 1, runId);
      try (java.sql.ResultSet row = s.executeQuery()) {
        return row.next() ? RunStatus.of(row.getString(1)) : null;
      }
    }
  }

  /**
   * Applied when the guarded update returned the run ({@code before}: its status before the update,
   * null for an update that cannot move it); otherwise why not, read in the same transaction.
   */
  private static Transition outcome(Connection c, Optional<Run> updated, RunStatus before, UUID runId,
      Long fencingToken) throws SQLException {
    if (updated.isPresent()) {
      Run run = updated.get();
      return new Transition.Applied(run, before == null ? run.status() : before);
    }
    Optional<Run> current = select(c, runId);
    if (current.isEmpty()) {
      return new Transition.NotFound(runId);
    }
    Run run = current.get();
    if (run.status().isTerminal()) {
      return new Transition.Refused(run, Transition.Refusal.TERMINAL);
    }
    if (fencingToken != null && (fencingToken != run.fencingToken() || !run.status().isLeased())) {
      return new Transition.Refused(run, Transition.Refusal.STALE_LEASE);
    }
    return new Transition.Refused(run, Transition.Refusal.NOT_ALLOWED);
  }
}
