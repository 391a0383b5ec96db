package dev.gpuagent.server.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code runs} table's column list and the mapping of its rows to {@link Run}. */
final class RunRows {
  static final String COLUMNS = "id, org_id, number, deployment_id, workflow_api, workflow_inputs, status, origin,"
      + " gpu_requested, gpu, machine_id, gpu_event_id, attempt, lease_expiries, max_attempts, fencing_token,"
      + " lease_expires_at, run_timeout_s, deadline_at, live_status, progress, webhook, webhook_status,"
      + " webhook_intermediate_status, outputs, error, created_at, queued_at, started_at, ended_at, updated_at";

  static final String LEASED = RunStatus.sqlList(RunStatus.LEASED);
  static final String TERMINAL = RunStatus.sqlList(RunStatus.TERMINAL);

  private RunRows() {}

  static Run map(ResultSet row) throws SQLException {
    return new Run(
        Jdbc.uuid(row, "id"),
        Jdbc.uuid(row, "org_id"),
        row.getLong("number"),
        Jdbc.uuid(row, "deployment_id"),
        row.getString("workflow_api"),
        row.getString("workflow_inputs"),
        RunStatus.of(row.getString("status")),
        row.getString("origin"),
        row.getString("gpu_requested"),
        row.getString("gpu"),
        row.getString("machine_id"),
        row.getString("gpu_event_id"),
        row.getInt("attempt"),
        row.getInt("lease_expiries"),
        row.getInt("max_attempts"),
        row.getLong("fencing_token"),
        Jdbc.instant(row, "lease_expires_at"),
        row.getInt("run_timeout_s"),
        Jdbc.instant(row, "deadline_at"),
        row.getString("live_status"),
        row.getDouble("progress"),
        row.getString("webhook"),
        row.getString("webhook_status"),
        row.getBoolean("webhook_intermediate_status"),
        row.getString("outputs"),
        row.getString("error"),
        Jdbc.instant(row, "created_at"),
        Jdbc.instant(row, "queued_at"),
        Jdbc.instant(row, "started_at"),
        Jdbc.instant(row, "ended_at"),
        Jdbc.instant(row, "updated_at"));
  }

  /** Executes a query (or a statement with RETURNING) and maps every row. */
  static List<Run> all(PreparedStatement statement) throws SQLException {
    List<Run> runs = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        runs.add(map(rows));
      }
    }
    return runs;
  }

  /** Executes a query (or a statement with RETURNING) that yields at most one row. */
  static Optional<Run> one(PreparedStatement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery()) {
      return rows.next() ? Optional.of(map(rows)) : Optional.empty();
    }
  }
}
