package dev.gpuagent.server.store;

import static dev.gpuagent.server.store.RunRows.COLUMNS;
import static dev.gpuagent.server.store.RunRows.LEASED;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** {@link RunStore} in portable SQL over a {@link Database}; guarded changes live in {@link RunTransitions}. */
public final class JdbcRunStore implements RunStore {
  private static final int MAX_IN_LIST = 500;

  private final Database db;
  private final Clock clock;
  private final RunTransitions transitions;
  private final String insertSql;

  public JdbcRunStore(Database db, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.transitions = new RunTransitions(db, clock);
    this.insertSql = "INSERT INTO runs (id, org_id, number, deployment_id, workflow_api, workflow_inputs, status,"
        + " origin, gpu_requested, max_attempts, run_timeout_s, queue_seq, webhook, webhook_intermediate_status,"
        + " created_at, queued_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, "
        + db.dialect().nextQueueSeq() + ", ?, ?, ?, ?, ?) RETURNING " + RunRows.CHANGED_COLUMNS;
  }

  private Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  @Override
  public Run insert(NewRun run) {
    return Futures.join(insertAsync(run));
  }

  @Override
  public CompletableFuture<Run> insertAsync(NewRun run) {
    Objects.requireNonNull(run, "run");
    return db.writeAsync(c -> insertRow(c, run));
  }

  @Override
  public CompletableFuture<QueuedAndClaimed> insertAndClaimAsync(NewRun run, List<String> gpuTypes, String workerId,
      Duration leaseTtl) {
    Objects.requireNonNull(run, "run");
    Claim claim = new Claim(gpuTypes, workerId, leaseTtl);
    return db.writeAsync(c -> {
      Run queued = insertRow(c, run);
      return new QueuedAndClaimed(queued, claim.run(c));
    });
  }

  private Run insertRow(Connection c, NewRun run) throws SQLException {
    Instant now = now();
    if (run.deploymentId() != null) {
      checkDeployment(c, run.orgId(), run.deploymentId());
    }
    long number = nextNumber(c, run.orgId());
    try (PreparedStatement s = c.prepareStatement(insertSql)) {
      Jdbc.setUuid(s, 1, RunIds.next());
      Jdbc.setUuid(s, 2, run.orgId());
      s.setLong(3, number);
      Jdbc.setUuid(s, 4, run.deploymentId());
      s.setString(5, run.workflowApi());
      s.setString(6, run.workflowInputs());
      s.setString(7, run.origin());
      Jdbc.setString(s, 8, run.gpu());
      s.setInt(9, run.maxAttempts());
      s.setInt(10, run.runTimeoutS());
      Jdbc.setString(s, 11, run.webhook());
      s.setBoolean(12, run.webhookIntermediateStatus());
      Jdbc.setInstant(s, 13, now);
      Jdbc.setInstant(s, 14, now);
      Jdbc.setInstant(s, 15, now);
      return RunRows.one(s).orElseThrow();
    }
  }

  /** The organisation's next run number: its counter row, incremented in this transaction. */
  private static long nextNumber(Connection c, UUID orgId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE organisations SET run_counter = run_counter + 1 WHERE id = ? RETURNING run_counter")) {
      Jdbc.setUuid(s, 1, orgId);
      try (ResultSet row = s.executeQuery()) {
        if (!row.next()) {
          throw new IllegalArgumentException("unknown organisation " + orgId);
        }
        return row.getLong(1);
      }
    }
  }

  private static void checkDeployment(Connection c, UUID orgId, UUID deploymentId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM deployments WHERE id = ? AND org_id = ?")) {
      Jdbc.setUuid(s, 1, deploymentId);
      Jdbc.setUuid(s, 2, orgId);
      try (ResultSet row = s.executeQuery()) {
        if (!row.next()) {
          throw new IllegalArgumentException("unknown deployment " + deploymentId);
        }
      }
    }
  }

  @Override
  public Optional<Run> get(UUID orgId, UUID runId) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE id = ? AND org_id = ?")) {
        Jdbc.setUuid(s, 1, runId);
        Jdbc.setUuid(s, 2, orgId);
        return RunRows.one(s);
      }
    });
  }

  @Override
  public Optional<Run> find(UUID runId) {
    return db.read(c -> RunTransitions.select(c, runId));
  }

  @Override
  public CompletableFuture<Optional<Run>> claimNextAsync(List<String> gpuTypes, String workerId, Duration leaseTtl) {
    Claim claim = new Claim(gpuTypes, workerId, leaseTtl);
    return db.writeAsync(claim::run);
  }

  /** The claiming update of {@link #claimNext}, checked and built once, run inside a write. */
  private final class Claim {
    private final List<String> types;
    private final String workerId;
    private final Duration leaseTtl;
    private final String sql;

    Claim(List<String> gpuTypes, String workerId, Duration leaseTtl) {
      this.workerId = Objects.requireNonNull(workerId, "workerId");
      requirePositive(leaseTtl);
      this.leaseTtl = leaseTtl;
      this.types = List.copyOf(gpuTypes);
      String typeFilter = types.isEmpty() ? "gpu_requested IS NULL"
          : "(gpu_requested IS NULL OR gpu_requested IN (" + placeholders(types.size()) + "))";
      this.sql = "UPDATE runs SET status = 'started', machine_id = ?, gpu = COALESCE(gpu_requested, ?),"
          + " gpu_event_id = ?, attempt = lease_expiries + 1, fencing_token = fencing_token + 1, lease_expires_at = ?,"
          + " started_at = ?, deadline_at = ? + run_timeout_s * 1000, live_status = NULL, progress = 0, updated_at = ?"
          + " WHERE id = (SELECT id FROM runs WHERE status = 'queued' AND " + typeFilter
          + " ORDER BY queue_seq LIMIT 1" + db.dialect().claimLock() + ") AND status = 'queued'"
          + " RETURNING " + COLUMNS;
    }

    Optional<Run> run(Connection c) throws SQLException {
      Instant now = now();
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        s.setString(i++, workerId);
        Jdbc.setString(s, i++, types.isEmpty() ? null : types.getFirst());
        s.setString(i++, UUID.randomUUID().toString());
        Jdbc.setInstant(s, i++, now.plus(leaseTtl));
        Jdbc.setInstant(s, i++, now);
        s.setLong(i++, now.toEpochMilli());
        Jdbc.setInstant(s, i++, now);
        for (String type : types) {
          s.setString(i++, type);
        }
        return RunRows.one(s);
      }
    }
  }

  @Override
  public CompletableFuture<Set<String>> renewLeasesAsync(String workerId, Collection<String> leaseIds, Duration ttl) {
    Objects.requireNonNull(workerId, "workerId");
    requirePositive(ttl);
    List<String> ids = List.copyOf(new HashSet<>(leaseIds));
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(Set.of());
    }
    return db.writeAsync(c -> {
      Instant expires = now().plus(ttl);
      Set<String> renewed = new HashSet<>();
      for (int from = 0; from < ids.size(); from += MAX_IN_LIST) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IN_LIST));
        try (PreparedStatement s = c.prepareStatement("UPDATE runs SET lease_expires_at = ? WHERE machine_id = ?"
            + " AND status IN " + LEASED + " AND gpu_event_id IN (" + placeholders(chunk.size()) + ")"
            + " RETURNING gpu_event_id")) {
          Jdbc.setInstant(s, 1, expires);
          s.setString(2, workerId);
          for (int i = 0; i < chunk.size(); i++) {
            s.setString(3 + i, chunk.get(i));
          }
          try (ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
              renewed.add(rows.getString(1));
            }
          }
        }
      }
      return Set.copyOf(renewed);
    });
  }

  @Override
  public int extendOpenLeases(Instant atLeast) {
    Objects.requireNonNull(atLeast, "atLeast");
    return db.write(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE runs SET lease_expires_at = ? WHERE status IN " + LEASED
          + " AND lease_expires_at < ?")) {
        Jdbc.setInstant(s, 1, atLeast);
        Jdbc.setInstant(s, 2, atLeast);
        return s.executeUpdate();
      }
    });
  }

  @Override
  public CompletableFuture<Transition> updateProgressAsync(UUID runId, long fencingToken, double progress,
      String liveStatus) {
    return transitions.updateProgress(runId, fencingToken, progress, liveStatus);
  }

  @Override
  public CompletableFuture<Transition> setStatusAsync(StatusUpdate update) {
    return transitions.setStatus(update);
  }

  @Override
  public CompletableFuture<Transition> cancelAsync(UUID orgId, UUID runId) {
    return transitions.cancel(orgId, runId);
  }

  @Override
  public CompletableFuture<Transition> releaseAsync(UUID runId, long fencingToken, String reason) {
    return transitions.release(runId, fencingToken, reason);
  }

  @Override
  public ExpiredLeases requeueExpired(Instant now) {
    return transitions.requeueExpired(now);
  }

  @Override
  public List<Run> timeoutOverdue(Instant now) {
    return transitions.timeoutOverdue(now);
  }

  @Override
  public List<Run> leasedBy(String workerId) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE machine_id = ?"
          + " AND status IN " + LEASED + " ORDER BY started_at")) {
        s.setString(1, workerId);
        return RunRows.all(s);
      }
    });
  }

  @Override
  public Map<String, Long> queueDepth() {
    return db.read(c -> {
      Map<String, Long> depth = new LinkedHashMap<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT gpu_requested, COUNT(*) FROM runs WHERE status = 'queued' GROUP BY gpu_requested ORDER BY 1");
          ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          String gpu = rows.getString(1);
          depth.put(gpu == null ? "any" : gpu, rows.getLong(2));
        }
      }
      return depth;
    });
  }

  @Override
  public void setWebhookStatus(UUID runId, String webhookStatus) {
    db.write(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE runs SET webhook_status = ? WHERE id = ?")) {
        Jdbc.setString(s, 1, webhookStatus);
        Jdbc.setUuid(s, 2, runId);
        return s.executeUpdate();
      }
    });
  }

  static String placeholders(int count) {
    return String.join(", ", Collections.nCopies(count, "?"));
  }

  private static void requirePositive(Duration ttl) {
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a lease TTL must be positive, got " + ttl);
    }
  }
}
