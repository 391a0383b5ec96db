package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {
  @TempDir Path dir;

  private Connection connect() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("m.db"));
  }

  @Test
  void freshDatabaseGetsEveryMigrationOnceAndRecordsIt() throws Exception {
    try (Connection c = connect()) {
      assertEquals(Migrations.ALL.size(), Migrations.apply(c, Clock.systemUTC()));
      assertEquals(0, Migrations.apply(c, Clock.systemUTC()), "a second start applies nothing");
      assertEquals(Migrations.latest(), Migrations.currentVersion(c));
      List<String> tables = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rows = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
      assertEquals(List.of("api_keys", "deployments", "organisations", "run_outputs", "runs", "schema_version",
          "webhook_deliveries", "worker_tokens"), tables);
      assertTrue(c.getAutoCommit(), "the connection is left in auto-commit mode");
    }
  }

  @Test
  void databaseNewerThanTheProgramIsRefused() throws Exception {
    try (Connection c = connect()) {
      Migrations.apply(c, Clock.systemUTC());
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO schema_version VALUES (99, 'future', 'x', 0)");
      }
      StoreException e = assertThrows(StoreException.class, () -> Migrations.apply(c, Clock.systemUTC()));
      assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
    }
  }

  @Test
  void appliedMigrationWhoseTextChangedIsRefused() throws Exception {
    try (Connection c = connect()) {
      Migrations.apply(c, Clock.systemUTC());
      try (Statement s = c.createStatement()) {
        s.execute("UPDATE schema_version SET checksum = 'edited' WHERE version = 1");
      }
      StoreException e = assertThrows(StoreException.class, () -> Migrations.apply(c, Clock.systemUTC()));
      assertTrue(e.getMessage().contains("different text"), e.getMessage());
    }
  }

  @Test
  void failedMigrationLeavesNothingBehind() throws Exception {
    List<Migrations.Migration> broken = new ArrayList<>(Migrations.ALL);
    broken.add(new Migrations.Migration(Migrations.latest() + 1, "broken", "test_broken.sql"));
    try (Connection c = connect()) {
      assertThrows(Exception.class, () -> Migrations.apply(c, Clock.systemUTC(), broken));
      assertEquals(0, Migrations.currentVersion(c), "the first migration rolled back with the broken one");
      try (Statement s = c.createStatement();
          ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM sqlite_master WHERE name = 'runs'")) {
        rows.next();
        assertEquals(0, rows.getInt(1));
      }
    }
  }

  @Test
  void scriptSplitsOnSemicolonsAtLineEndsAndSkipsComments() {
    assertEquals(List.of("CREATE TABLE a (x TEXT DEFAULT ';')", "CREATE INDEX i\n  ON a (x)"),
        Migrations.statements("-- a comment;\nCREATE TABLE a (x TEXT DEFAULT ';');\n\nCREATE INDEX i\n  ON a (x);\n"));
    assertThrows(StoreException.class, () -> Migrations.statements("CREATE TABLE a (x TEXT)"));
  }
}
