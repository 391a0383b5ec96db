package dev.gpuagent.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** {@link WebhookStore} in portable SQL over a {@link Database}. */
public final class JdbcWebhookStore implements WebhookStore {
  private static final String COLUMNS = "run_id, seq, event_type, payload, status, attempts, next_attempt_at,"
      + " last_error, created_at, delivered_at";
  private static final int MAX_ERROR_LENGTH = 1000;

  private final Database db;
  private final Clock clock;

  public JdbcWebhookStore(Database db, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public WebhookDelivery enqueue(UUID runId, String eventType, String payload) {
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(payload, "payload");
    return db.write(c -> {
      long seq;
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE runs SET webhook_seq = webhook_seq + 1 WHERE id = ? RETURNING webhook_seq")) {
        Jdbc.setUuid(s, 1, runId);
        try (ResultSet row = s.executeQuery()) {
          if (!row.next()) {
            throw new IllegalArgumentException("unknown run " + runId);
          }
          seq = row.getLong(1);
        }
      }
      long now = clock.millis();
      try (PreparedStatement s = c.prepareStatement("INSERT INTO webhook_deliveries (" + COLUMNS + ")"
          + " VALUES (?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL) RETURNING " + COLUMNS)) {
        Jdbc.setUuid(s, 1, runId);
        s.setLong(2, seq);
        s.setString(3, eventType);
        s.setString(4, payload);
        s.setLong(5, now);
        s.setLong(6, now);
        try (ResultSet row = s.executeQuery()) {
          row.next();
          return map(row);
        }
      }
    });
  }

  @Override
  public List<WebhookDelivery> due(Instant now, int limit) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM webhook_deliveries d"
          + " WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.seq = (SELECT MIN(p.seq)"
          + " FROM webhook_deliveries p WHERE p.run_id = d.run_id AND p.status = 'pending')"
          + " ORDER BY d.next_attempt_at, d.run_id LIMIT ?")) {
        Jdbc.setInstant(s, 1, now);
        s.setInt(2, limit);
        List<WebhookDelivery> due = new ArrayList<>();
        try (ResultSet rows = s.executeQuery()) {
          while (rows.next()) {
            due.add(map(rows));
          }
        }
        return due;
      }
    });
  }

  @Override
  public void delivered(UUID runId, long seq) {
    finish(runId, seq, "status = 'delivered', delivered_at = ?, last_error = NULL", clock.millis(), "success");
  }

  @Override
  public void retryLater(UUID runId, long seq, Instant nextAttemptAt, String error) {
    finish(runId, seq, "next_attempt_at = ?, last_error = ?", nextAttemptAt.toEpochMilli(), "retrying", error);
  }

  @Override
  public void giveUp(UUID runId, long seq, String error) {
    finish(runId, seq, "status = 'failed', next_attempt_at = ?, last_error = ?", clock.millis(), "failed", error);
  }

  /** Counts the attempt, applies {@code set} (its parameters: a time, then the error if given) and mirrors the run. */
  private void finish(UUID runId, long seq, String set, long time, String runStatus, String... error) {
    db.write(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE webhook_deliveries SET attempts = attempts + 1, " + set
          + " WHERE run_id = ? AND seq = ? AND status = 'pending'")) {
        int i = 1;
        s.setLong(i++, time);
        if (error.length > 0) {
          Jdbc.setString(s, i++, truncate(error[0]));
        }
        Jdbc.setUuid(s, i++, runId);
        s.setLong(i, seq);
        if (s.executeUpdate() == 1) {
          mirror(c, runId, runStatus);
        }
      }
      return null;
    });
  }

  private static void mirror(Connection c, UUID runId, String webhookStatus) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE runs SET webhook_status = ? WHERE id = ?")) {
      s.setString(1, webhookStatus);
      Jdbc.setUuid(s, 2, runId);
      s.executeUpdate();
    }
  }

  private static String truncate(String error) {
    return error == null || error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH);
  }

  private static WebhookDelivery map(ResultSet row) throws SQLException {
    return new WebhookDelivery(Jdbc.uuid(row, "run_id"), row.getLong("seq"), row.getString("event_type"),
        row.getString("payload"), WebhookDelivery.Status.of(row.getString("status")), row.getInt("attempts"),
        Jdbc.instant(row, "next_attempt_at"), row.getString("last_error"), Jdbc.instant(row, "created_at"),
        Jdbc.instant(row, "delivered_at"));
  }
}
