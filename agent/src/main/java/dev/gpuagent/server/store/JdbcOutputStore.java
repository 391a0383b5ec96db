package dev.gpuagent.server.store;

import static dev.gpuagent.server.store.RunRows.LEASED;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** {@link OutputStore} in portable SQL over a {@link Database}. */
public final class JdbcOutputStore implements OutputStore {
  private static final String COLUMNS =
      "run_id, attempt, node_id, class_type, filename, media_type, size_bytes, sha256, storage_key, created_at";

  private final Database db;
  private final Clock clock;

  public JdbcOutputStore(Database db, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public CompletableFuture<Optional<RunOutput>> addAsync(RunOutput o, long fencingToken) {
    // INSERT ... SELECT from the run row: the fencing check and the insert are one statement.
    String sql = "INSERT INTO run_outputs (" + COLUMNS + ", fencing_token) SELECT id, attempt, ?, ?, ?, ?, ?, ?, ?, ?,"
        + " fencing_token FROM runs WHERE id = ? AND fencing_token = ? AND status IN " + LEASED
        + " ON CONFLICT (run_id, attempt, node_id, filename) DO UPDATE SET class_type = excluded.class_type,"
        + " media_type = excluded.media_type, size_bytes = excluded.size_bytes, sha256 = excluded.sha256,"
        + " storage_key = excluded.storage_key, created_at = excluded.created_at,"
        + " fencing_token = excluded.fencing_token RETURNING " + COLUMNS;
    return db.writeAsync(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, o.nodeId());
        s.setString(2, o.classType());
        s.setString(3, o.filename());
        s.setString(4, o.mediaType());
        s.setLong(5, o.sizeBytes());
        s.setString(6, o.sha256());
        s.setString(7, o.storageKey());
        s.setLong(8, clock.millis());
        Jdbc.setUuid(s, 9, o.runId());
        s.setLong(10, fencingToken);
        try (ResultSet row = s.executeQuery()) {
          return row.next() ? Optional.of(map(row)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public List<RunOutput> list(UUID runId) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM run_outputs o WHERE run_id = ?"
          + " AND fencing_token = (SELECT fencing_token FROM runs WHERE id = o.run_id)"
          + " ORDER BY created_at, node_id, filename")) {
        Jdbc.setUuid(s, 1, runId);
        List<RunOutput> outputs = new ArrayList<>();
        try (ResultSet rows = s.executeQuery()) {
          while (rows.next()) {
            outputs.add(map(rows));
          }
        }
        return outputs;
      }
    });
  }

  private static RunOutput map(ResultSet row) throws SQLException {
    return new RunOutput(Jdbc.uuid(row, "run_id"), row.getInt("attempt"), row.getString("node_id"),
        row.getString("class_type"), row.getString("filename"), row.getString("media_type"),
        row.getLong("size_bytes"), row.getString("sha256"), row.getString("storage_key"),
        Jdbc.instant(row, "created_at"));
  }
}
