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

  /**
   * {@link #COLUMNS} without the run's two JSON documents (their places hold NULL): what a change
   * returns. The graph and the inputs never change after the insert, can be large (images as data
   * URLs), and nothing that reacts to a change reads them; copying them out of SQLite on every progress
   * update was most of the row's cost.
   */
  static final String CHANGED_COLUMNS = COLUMNS.replace("workflow_api, workflow_inputs,",
      "NULL AS workflow_api, NULL AS workflow_inputs,");

  static final String LEASED = RunStatus.sqlList(RunStatus.LEASED);
  static final String TERMINAL = RunStatus.sqlList(RunStatus.TERMINAL);

  private RunRows() {}

  /** A row selected (or returned) as {@link #COLUMNS}, read by position in that order. */
  static Run map(ResultSet row) throws SQLException {
    return new Run(
        Jdbc.uuid(row, 1), // id
        Jdbc.uuid(row, 2), // org_id
        row.getLong(3), // number
        Jdbc.uuid(row, 4), // deployment_id
        row.getString(5), // workflow_api
        row.getString(6), // workflow_inputs
        RunStatus.of(row.getString(7)), // status
        row.getString(8), // origin
        row.getString(9), // gpu_requested
        row.getString(10), // gpu
        row.getString(11), // machine_id
        row.getString(12), // gpu_event_id
        row.getInt(13), // attempt
        row.getInt(14), // lease_expiries
        row.getInt(15), // max_attempts
        row.getLong(16), // fencing_token
        Jdbc.instant(row, 17), // lease_expires_at
        row.getInt(18), // run_timeout_s
        Jdbc.instant(row, 19), // deadline_at
        row.getString(20), // live_status
        row.getDouble(21), // progress
        row.getString(22), // webhook
        row.getString(23), // webhook_status
        row.getBoolean(24), // webhook_intermediate_status
        row.getString(25), // outputs
        row.getString(26), // error
        Jdbc.instant(row, 27), // created_at
        Jdbc.instant(row, 28), // queued_at
        Jdbc.instant(row, 29), // started_at
        Jdbc.instant(row, 30), // ended_at
        Jdbc.instant(row, 31)); // updated_at
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
