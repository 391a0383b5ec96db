package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatementCacheTest {
  private Connection raw;
  private Connection connection;

  @BeforeEach
  void open() throws SQLException {
    raw = DriverManager.getConnection("jdbc:sqlite::memory:");
    connection = StatementCache.wrap(raw, 2);
    try (Statement s = connection.createStatement()) {
      s.execute("CREATE TABLE t (x INTEGER)");
      s.execute("INSERT INTO t VALUES (1), (2), (3)");
    }
  }

  @AfterEach
  void close() throws SQLException {
    connection.close();
  }

  private static int count(PreparedStatement s) throws SQLException {
    try (ResultSet row = s.executeQuery()) {
      row.next();
      return row.getInt(1);
    }
  }

  @Test
  void closedStatementIsReusedWithItsParametersCleared() throws SQLException {
    String sql = "SELECT COUNT(*) FROM t WHERE x >= ?";
    PreparedStatement first;
    try (PreparedStatement s = connection.prepareStatement(sql)) {
      s.setInt(1, 2);
      assertEquals(2, count(s));
      first = s;
    }
    try (PreparedStatement s = connection.prepareStatement(sql)) {
      assertSame(first, s);
      assertEquals(0, count(s), "the old parameter was cleared (unset binds NULL)");
    }
  }

  @Test
  void statementInUseIsNotHandedOutTwice() throws SQLException {
    String sql = "SELECT COUNT(*) FROM t WHERE x >= ?";
    try (PreparedStatement outer = connection.prepareStatement(sql);
        PreparedStatement inner = connection.prepareStatement(sql)) {
      assertNotSame(outer, inner);
      outer.setInt(1, 1);
      inner.setInt(1, 3);
      assertEquals(3, count(outer));
      assertEquals(1, count(inner));
    }
  }

  @Test
  void evictedStatementsAreClosedAndTheCacheStillAnswers() throws SQLException {
    for (int i = 0; i < 10; i++) {
      try (PreparedStatement s = connection.prepareStatement("SELECT COUNT(*) FROM t WHERE x >= " + (i % 4))) {
        assertEquals(i % 4 == 0 ? 3 : 4 - i % 4, count(s));
      }
    }
    PreparedStatement held = connection.prepareStatement("SELECT COUNT(*) FROM t WHERE x >= 1");
    for (int i = 0; i < 3; i++) {
      connection.prepareStatement("SELECT " + i).close(); // pushes the held statement out of the cache
    }
    assertEquals(3, count(held), "a statement evicted while in use keeps working until closed");
    held.close();
    assertTrue(held.isClosed());
  }
}
