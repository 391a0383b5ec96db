package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDatabaseTest {
  @TempDir Path dir;
  private SqliteDatabase db;

  @BeforeEach
  void open() {
    db = SqliteDatabase.openDataDir(dir.resolve("data/nested"), Clock.systemUTC());
    db.write(c -> {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)");
      }
      return null;
    });
  }

  @AfterEach
  void close() {
    db.close();
  }

  private String pragma(String name) {
    return db.read(c -> {
      try (Statement s = c.createStatement(); ResultSet row = s.executeQuery("PRAGMA " + name)) {
        row.next();
        return row.getString(1);
      }
    });
  }

  private static SqlWork<Integer> insert(int x) {
    return c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO t (x) VALUES (?)")) {
        s.setInt(1, x);
        return s.executeUpdate();
      }
    };
  }

  private List<Integer> rows() {
    return db.read(c -> {
      List<Integer> xs = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT x FROM t ORDER BY x")) {
        while (rows.next()) {
          xs.add(rows.getInt(1));
        }
      }
      return xs;
    });
  }

  @Test
  void databaseIsInWalModeWithFullSyncAndForeignKeys() {
    assertEquals("wal", pragma("journal_mode"));
    assertEquals("2", pragma("synchronous"), "FULL: every commit is fsynced");
    assertEquals("1", pragma("foreign_keys"));
    assertEquals(dir.resolve("data/nested/gpu-agent.db").toAbsolutePath(), db.file());
  }

  @Test
  void storeSyncNormalOpensWithSynchronousNormal() {
    try (SqliteDatabase normal = SqliteDatabase.openDataDir(dir.resolve("normal"), Clock.systemUTC(), StoreSync.NORMAL)) {
      String sync = normal.read(c -> {
        try (Statement s = c.createStatement(); ResultSet row = s.executeQuery("PRAGMA synchronous")) {
          row.next();
          return row.getString(1);
        }
      });
      assertEquals("1", sync, "NORMAL: the WAL is fsynced at checkpoints only");
    }
  }

  @Test
  void dataFolderAndDatabaseFilesAreOwnerOnly() throws Exception {
    Path data = dir.resolve("data");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("nested"))));
    Path file = data.resolve("nested/gpu-agent.db");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Path wal = data.resolve("nested/gpu-agent.db-wal");
    assertTrue(Files.exists(wal));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(wal)));
  }

  @Test
  void failingWorkInABatchIsRolledBackAloneAndTheRestCommits() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    CompletableFuture<Integer> blocker = db.writeAsync(c -> {
      try {
        hold.await(10, TimeUnit.SECONDS); // keeps the writer busy while the batch queues up
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return insert(0).run(c);
    });
    List<CompletableFuture<Integer>> batch = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      int x = i;
      batch.add(db.writeAsync(c -> {
        insert(x).run(c);
        if (x == 5) {
          throw new IllegalStateException("work 5 fails after its insert");
        }
        return x;
      }));
    }
    hold.countDown();
    assertEquals(1, blocker.get(10, TimeUnit.SECONDS));
    for (int i = 0; i < 10; i++) {
      if (i == 4) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> batch.get(4).get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
      } else {
        assertEquals(i + 1, batch.get(i).get(10, TimeUnit.SECONDS));
      }
    }
    assertEquals(List.of(0, 1, 2, 3, 4, 6, 7, 8, 9, 10), rows());
  }

  @Test
  void aBatchWithoutFailuresRunsEachPieceOnceInOneCommit() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    CompletableFuture<Integer> blocker = db.writeAsync(c -> {
      try {
        hold.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return insert(0).run(c);
    });
    java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
    List<CompletableFuture<Integer>> batch = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      int x = i;
      batch.add(db.writeAsync(c -> {
        runs.incrementAndGet();
        insert(x).run(c);
        return x;
      }));
    }
    hold.countDown();
    blocker.get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 10; i++) {
      assertEquals(i + 1, batch.get(i).get(10, TimeUnit.SECONDS));
    }
    assertEquals(10, runs.get(), "no piece ran twice");
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), rows());
  }

  @Test
  void sqlErrorsSurfaceAsStoreExceptionsAndAThrowingWriteLeavesNoTrace() {
    db.write(insert(1));
    StoreException e = assertThrows(StoreException.class, () -> db.write(insert(1)));
    assertTrue(e.getMessage().contains("UNIQUE"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> db.write(c -> {
      insert(2).run(c);
      throw new IllegalArgumentException("no");
    }));
    assertEquals(List.of(1), rows());
  }

  @Test
  void readersCannotWrite() {
    assertThrows(StoreException.class, () -> db.read(insert(1)));
  }

  @Test
  void writeWorkCannotStartMoreWrites() {
    assertThrows(IllegalStateException.class, () -> db.write(c -> db.write(insert(1))));
  }

  @Test
  void closeFinishesQueuedWritesThenRefusesMore() throws Exception {
    List<CompletableFuture<Integer>> queued = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      queued.add(db.writeAsync(insert(i)));
    }
    db.close();
    for (CompletableFuture<Integer> f : queued) {
      assertEquals(1, f.get(10, TimeUnit.SECONDS));
    }
    assertThrows(StoreException.class, () -> db.write(insert(99)));
    assertThrows(StoreException.class, () -> db.read(c -> 1));
    db = SqliteDatabase.openDataDir(dir.resolve("data/nested"), Clock.systemUTC());
    assertEquals(20, rows().size());
  }
}
