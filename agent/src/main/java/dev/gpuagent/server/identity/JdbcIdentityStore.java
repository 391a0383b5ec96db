package dev.gpuagent.server.identity;

import dev.gpuagent.server.store.Database;
import dev.gpuagent.server.store.Jdbc;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link IdentityStore} in portable SQL over the store's {@link Database}. Authentication selects
 * the live rows with the presented secret's prefix and compares the SHA-256 of the presented secret
 * with each stored hash in constant time. A successful check is remembered for {@link #REMEMBER_FOR}
 * ({@link RecentAuthentications}): a secret revoked outside this process stops working within that time.
 */
public final class JdbcIdentityStore implements IdentityStore {
  static final int MAX_NAME_LENGTH = 200;
  /** How long a successful secret check is trusted without reading the database again. */
  public static final java.time.Duration REMEMBER_FOR = java.time.Duration.ofSeconds(1);
  private static final int REMEMBERED_SECRETS = 1024;

  private final Database db;
  private final Clock clock;
  private final SecureRandom random;
  private final RecentAuthentications<UUID> apiKeys;
  private final RecentAuthentications<WorkerCredential> workerTokens;

  public JdbcIdentityStore(Database db, Clock clock) {
    this(db, clock, new SecureRandom());
  }

  JdbcIdentityStore(Database db, Clock clock, SecureRandom random) {
    this.db = Objects.requireNonNull(db, "db");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.apiKeys = new RecentAuthentications<>(clock, REMEMBER_FOR, REMEMBERED_SECRETS);
    this.workerTokens = new RecentAuthentications<>(clock, REMEMBER_FOR, REMEMBERED_SECRETS);
  }

  @Override
  public Organisation createOrganisation(String name) {
    String checked = checkName(name);
    return db.write(c -> {
      if (byName(c, checked).isPresent()) {
        throw new IllegalArgumentException("an organisation named '" + checked + "' exists");
      }
      return insertOrganisation(c, checked);
    });
  }

  @Override
  public Organisation ensureOrganisation(String name) {
    String checked = checkName(name);
    return db.write(c -> {
      Optional<Organisation> existing = byName(c, checked);
      return existing.isPresent() ? existing.get() : insertOrganisation(c, checked);
    });
  }

  @Override
  public Optional<Organisation> findOrganisation(String name) {
    return db.read(c -> byName(c, name));
  }

  @Override
  public Optional<Organisation> organisation(UUID id) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT id, name, created_at FROM organisations WHERE id = ?")) {
        Jdbc.setUuid(s, 1, id);
        return one(s);
      }
    });
  }

  private Organisation insertOrganisation(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?) RETURNING id, name, created_at")) {
      Jdbc.setUuid(s, 1, UUID.randomUUID());
      s.setString(2, name);
      s.setLong(3, clock.millis());
      return one(s).orElseThrow();
    }
  }

  private static Optional<Organisation> byName(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT id, name, created_at FROM organisations WHERE name = ?")) {
      s.setString(1, name);
      return one(s);
    }
  }

  private static Optional<Organisation> one(PreparedStatement s) throws SQLException {
    try (ResultSet row = s.executeQuery()) {
      return row.next()
          ? Optional.of(new Organisation(Jdbc.uuid(row, "id"), row.getString("name"), Jdbc.instant(row, "created_at")))
          : Optional.empty();
    }
  }

  @Override
  public IssuedSecret createApiKey(UUID orgId, String name) {
    Objects.requireNonNull(orgId, "orgId");
    return db.write(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM organisations WHERE id = ?")) {
        Jdbc.setUuid(s, 1, orgId);
        try (ResultSet row = s.executeQuery()) {
          if (!row.next()) {
            throw new IllegalArgumentException("unknown organisation " + orgId);
          }
        }
      }
      return issue(c, SecretKind.API_KEY, "INSERT INTO api_keys (id, name, prefix, key_hash, created_at, org_id)"
          + " VALUES (?, ?, ?, ?, ?, ?)", name, orgId);
    });
  }

  @Override
  public IssuedSecret createWorkerToken(String name) {
    return db.write(c -> issue(c, SecretKind.WORKER_TOKEN,
        "INSERT INTO worker_tokens (id, name, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?)", name, null));
  }

  @Override
  public IssuedSecret importApiKey(UUID orgId, String name, String plaintext) {
    Objects.requireNonNull(orgId, "orgId");
    if (!Secrets.wellFormed(SecretKind.API_KEY, plaintext)) {
      throw new IllegalArgumentException("not a gpu-agent API key: it must be gak_ followed by "
          + Secrets.BODY_LENGTH + " letters and digits");
    }
    Optional<UUID> existing = authenticateApiKey(plaintext);
    if (existing.isPresent()) {
      if (!existing.get().equals(orgId)) {
        throw new IllegalArgumentException("that API key belongs to another organisation");
      }
      return null;
    }
    return db.write(c -> issue(c, SecretKind.API_KEY, "INSERT INTO api_keys (id, name, prefix, key_hash, created_at,"
        + " org_id) VALUES (?, ?, ?, ?, ?, ?)", name, orgId, plaintext));
  }

  private IssuedSecret issue(Connection c, SecretKind kind, String sql, String name, UUID orgId) throws SQLException {
    return issue(c, kind, sql, name, orgId, Secrets.generate(kind, random));
  }

  private IssuedSecret issue(Connection c, SecretKind kind, String sql, String name, UUID orgId, String secret)
      throws SQLException {
    UUID id = UUID.randomUUID();
    String prefix = Secrets.prefix(secret);
    try (PreparedStatement s = c.prepareStatement(sql)) {
      Jdbc.setUuid(s, 1, id);
      Jdbc.setString(s, 2, name == null || name.isBlank() ? null : checkName(name));
      s.setString(3, prefix);
      s.setString(4, Secrets.hash(secret));
      s.setLong(5, clock.millis());
      if (orgId != null) {
        Jdbc.setUuid(s, 6, orgId);
      }
      s.executeUpdate();
    }
    return new IssuedSecret(id, kind, prefix, secret);
  }

  @Override
  public Optional<UUID> authenticateApiKey(String presented) {
    return remembered(apiKeys, SecretKind.API_KEY, presented, "SELECT org_id, key_hash FROM api_keys",
        match -> UUID.fromString(match[0]));
  }

  @Override
  public Optional<WorkerCredential> authenticateWorkerToken(String presented) {
    return remembered(workerTokens, SecretKind.WORKER_TOKEN, presented,
        "SELECT id, token_hash, name FROM worker_tokens", match -> new WorkerCredential(UUID.fromString(match[0]),
            match[2]));
  }

  private <T> Optional<T> remembered(RecentAuthentications<T> recent, SecretKind kind, String presented,
      String select, java.util.function.Function<String[], T> map) {
    if (!Secrets.wellFormed(kind, presented)) {
      return Optional.empty();
    }
    String hash = Secrets.hash(presented);
    Optional<T> known = recent.get(hash);
    if (known.isPresent()) {
      return known;
    }
    Optional<T> found = authenticate(hash, presented, select).map(map);
    found.ifPresent(value -> recent.put(hash, value));
    return found;
  }

  /**
   * The matching live row's columns as text (the second is the hash), from {@code select} narrowed to
   * the presented secret's prefix. Every candidate is compared, each in constant time.
   */
  private Optional<String[]> authenticate(String hash, String presented, String select) {
    return db.read(c -> {
      String[] match = null;
      try (PreparedStatement s = c.prepareStatement(select + " WHERE prefix = ? AND revoked_at IS NULL")) {
        s.setString(1, Secrets.prefix(presented));
        try (ResultSet rows = s.executeQuery()) {
          int columns = rows.getMetaData().getColumnCount();
          while (rows.next()) {
            if (Secrets.sameHash(hash, rows.getString(2))) {
              match = new String[columns];
              for (int i = 0; i < columns; i++) {
                match[i] = rows.getString(i + 1);
              }
            }
          }
        }
      }
      return Optional.ofNullable(match);
    });
  }

  @Override
  public boolean revokeApiKey(UUID keyId) {
    boolean revoked = revoke("api_keys", keyId);
    apiKeys.clear(); // a check racing with the update may still be trusted, for at most REMEMBER_FOR
    return revoked;
  }

  @Override
  public boolean revokeWorkerToken(UUID tokenId) {
    boolean revoked = revoke("worker_tokens", tokenId);
    workerTokens.clear();
    return revoked;
  }

  @Override
  public boolean workerTokenLive(UUID tokenId) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM worker_tokens WHERE id = ? AND revoked_at IS NULL")) {
        Jdbc.setUuid(s, 1, tokenId);
        try (java.sql.ResultSet row = s.executeQuery()) {
          return row.next();
        }
      }
    });
  }

  private boolean revoke(String table, UUID id) {
    return db.write(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE " + table + " SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
        s.setLong(1, clock.millis());
        Jdbc.setUuid(s, 2, id);
        return s.executeUpdate() == 1;
      }
    });
  }

  private static String checkName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a name must not be blank");
    }
    String stripped = name.strip();
    if (stripped.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("a name must be at most " + MAX_NAME_LENGTH + " characters");
    }
    return stripped;
  }
}
