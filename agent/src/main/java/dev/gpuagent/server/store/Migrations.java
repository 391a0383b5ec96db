package dev.gpuagent.server.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations: ordered SQL resources under {@code migrations/}, each applied once in
 * its own transaction and recorded in {@code schema_version} with the checksum of its text. An
 * applied migration whose text changed, or a database newer than this program, is refused.
 */
public final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  /** One migration: its version (the order), a name, and the resource holding its SQL. */
  public record Migration(int version, String name, String resource) {
    public Migration {
      if (version < 1) {
        throw new IllegalArgumentException("migration versions start at 1");
      }
    }

    String sql() {
      try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + resource)) {
        if (in == null) {
          throw new StoreException("migration resource missing: " + resource);
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new StoreException("cannot read migration " + resource, e);
      }
    }

    String checksum() {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(sql().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Every migration, in order. Add new ones at the end; never edit one that was released. */
  public static final List<Migration> ALL = List.of(
      new Migration(1, "initial", "001_initial.sql"),
      new Migration(2, "output_lease", "002_output_lease.sql"));

  private Migrations() {}

  /** The schema version this program writes. */
  public static int latest() {
    return ALL.getLast().version();
  }

  /**
   * Brings the database to {@link #latest()}. The connection must be in auto-commit mode; it is left
   * so. Returns the number of migrations applied.
   */
  public static int apply(Connection connection, Clock clock) throws SQLException {
    return apply(connection, clock, ALL);
  }

  static int apply(Connection connection, Clock clock, List<Migration> migrations) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS schema_version ("
          + "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    }
    connection.setAutoCommit(false);
    try {
      Map<Integer, String> applied = applied(connection);
      int known = migrations.getLast().version();
      for (int version : applied.keySet()) {
        if (version > known) {
          throw new StoreException("the database has schema version " + version + ", newer than this gpu-agent"
              + " understands (" + known + "): run a newer gpu-agent, or restore a backup");
        }
      }
      int count = 0;
      for (Migration migration : migrations) {
        String checksum = migration.checksum();
        String recorded = applied.get(migration.version());
        if (recorded != null) {
          if (!recorded.equals(checksum)) {
            throw new StoreException("schema migration " + migration.version() + " (" + migration.name()
                + ") was applied from a different text than this gpu-agent carries; refusing to continue");
          }
          continue;
        }
        try (Statement statement = connection.createStatement()) {
          for (String sql : statements(migration.sql())) {
            statement.execute(sql);
          }
        }
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO schema_version (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")) {
          insert.setInt(1, migration.version());
          insert.setString(2, migration.name());
          insert.setString(3, checksum);
          insert.setLong(4, clock.millis());
          insert.executeUpdate();
        }
        log.info("applied schema migration {} ({})", migration.version(), migration.name());
        count++;
      }
      connection.commit();
      return count;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /** The version recorded in {@code schema_version}, 0 for an empty database. */
  public static int currentVersion(Connection connection) throws SQLException {
    return applied(connection).keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  private static Map<Integer, String> applied(Connection connection) throws SQLException {
    Map<Integer, String> applied = new LinkedHashMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT version, checksum FROM schema_version ORDER BY version")) {
      while (rows.next()) {
        applied.put(rows.getInt(1), rows.getString(2));
      }
    }
    return applied;
  }

  /** Splits a migration into statements: each ends with ';' at the end of a line; '--' lines are comments. */
  static List<String> statements(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        statements.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      throw new StoreException("migration text ends without ';': " + current.toString().strip());
    }
    return statements;
  }
}
