package dev.gpuagent.server.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link DeploymentStore} in portable SQL over a {@link Database}. Deployments read by id are kept
 * in memory, written through by {@link #upsert}: every queue call reads its deployment, and the
 * server process is the only writer of deployments (the API and the deployment files at start; no
 * CLI command changes them), so the copy is never stale. At a thousand queue calls a second the
 * read had been 3 % of the machine's CPU.
 */
public final class JdbcDeploymentStore implements DeploymentStore {
  private static final String COLUMNS =
      "id, org_id, name, workflow_api, input_schema, gpu, run_timeout_s, created_at, updated_at";
  /** More deployments than this read by id, and the cache starts over (a bound, not a working size). */
  private static final int MAX_CACHED = 10_000;

  private final Database db;
  private final Clock clock;
  private final java.util.concurrent.ConcurrentHashMap<UUID, Deployment> byId =
      new java.util.concurrent.ConcurrentHashMap<>();

  public JdbcDeploymentStore(Database db, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Deployment create(NewDeployment deployment) {
    return upsert(UUID.randomUUID(), deployment);
  }

  @Override
  public Deployment upsert(UUID id, NewDeployment d) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(d, "deployment");
    String sql = "INSERT INTO deployments (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (id) DO UPDATE SET name = excluded.name, workflow_api = excluded.workflow_api,"
        + " input_schema = excluded.input_schema, gpu = excluded.gpu, run_timeout_s = excluded.run_timeout_s,"
        + " updated_at = excluded.updated_at WHERE deployments.org_id = excluded.org_id RETURNING " + COLUMNS;
    Deployment stored = db.write(c -> {
      Instant now = Instant.ofEpochMilli(clock.millis());
      try (PreparedStatement s = c.prepareStatement(sql)) {
        Jdbc.setUuid(s, 1, id);
        Jdbc.setUuid(s, 2, d.orgId());
        s.setString(3, d.name());
        s.setString(4, d.workflowApi());
        s.setString(5, d.inputSchema());
        Jdbc.setString(s, 6, d.gpu());
        s.setInt(7, d.runTimeoutS());
        Jdbc.setInstant(s, 8, now);
        Jdbc.setInstant(s, 9, now);
        try (ResultSet row = s.executeQuery()) {
          if (!row.next()) {
            throw new IllegalArgumentException("deployment " + id + " belongs to another organisation");
          }
          return map(row);
        }
      }
    });
    remember(stored, true);
    return stored;
  }

  @Override
  public Optional<Deployment> get(UUID orgId, UUID id) {
    Deployment cached = byId.get(id);
    if (cached != null) {
      return cached.orgId().equals(orgId) ? Optional.of(cached) : Optional.empty();
    }
    Optional<Deployment> read = db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM deployments WHERE id = ? AND org_id = ?")) {
        Jdbc.setUuid(s, 1, id);
        Jdbc.setUuid(s, 2, orgId);
        try (ResultSet row = s.executeQuery()) {
          return row.next() ? Optional.of(map(row)) : Optional.empty();
        }
      }
    });
    read.ifPresent(d -> remember(d, false));
    return read;
  }

  /**
   * A read never replaces a cached copy: it may have read the row just before an upsert committed,
   * and the upsert's copy (put after its commit) must win.
   */
  private void remember(Deployment deployment, boolean written) {
    if (byId.size() >= MAX_CACHED) {
      byId.clear();
    }
    if (written) { // two upserts of one deployment may put in either order: the later version stays
      byId.merge(deployment.id(), deployment,
          (old, fresh) -> fresh.updatedAt().isBefore(old.updatedAt()) ? old : fresh);
    } else {
      byId.putIfAbsent(deployment.id(), deployment);
    }
  }

  @Override
  public List<Deployment> list(UUID orgId) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT " + COLUMNS + " FROM deployments WHERE org_id = ? ORDER BY created_at, id")) {
        Jdbc.setUuid(s, 1, orgId);
        List<Deployment> deployments = new ArrayList<>();
        try (ResultSet rows = s.executeQuery()) {
          while (rows.next()) {
            deployments.add(map(rows));
          }
        }
        return deployments;
      }
    });
  }

  private static Deployment map(ResultSet row) throws SQLException {
    return new Deployment(Jdbc.uuid(row, "id"), Jdbc.uuid(row, "org_id"), row.getString("name"),
        row.getString("workflow_api"), row.getString("input_schema"), row.getString("gpu"),
        row.getInt("run_timeout_s"), Jdbc.instant(row, "created_at"), Jdbc.instant(row, "updated_at"));
  }
}
