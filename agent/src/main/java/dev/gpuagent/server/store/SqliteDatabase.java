package dev.gpuagent.server.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded database: one SQLite file in WAL mode with {@code synchronous=FULL} by default (every
 * commit is fsynced before it returns, so an acknowledged write survives {@code kill -9} and power
 * loss; {@link StoreSync#NORMAL} keeps the first and gives up the second),
 * foreign keys on, one writer connection behind a {@link GroupCommitWriter} and a few read-only
 * reader connections (WAL lets them read while the writer writes). Everything SQLite-specific
 * about the store is here.
 */
public final class SqliteDatabase implements Database {
  private static final Logger log = LoggerFactory.getLogger(SqliteDatabase.class);
  static final int BUSY_TIMEOUT_MS = 10_000;
  static final int DEFAULT_READERS = 4;
  static final int STATEMENT_CACHE = 64;

  private final Path file;
  private final Connection writerConnection;
  private final GroupCommitWriter writer;
  private final List<Connection> readers;
  private final BlockingQueue<Connection> idleReaders;
  private volatile boolean closed;

  private SqliteDatabase(Path file, Connection writerConnection, List<Connection> readers) {
    this.file = file;
    this.writerConnection = writerConnection;
    this.writer = new GroupCommitWriter(writerConnection, "gpu-agent-store-writer");
    this.readers = readers;
    this.idleReaders = new ArrayBlockingQueue<>(readers.size(), false, readers);
  }

  /** Opens (creating where missing) {@code dataDir/gpu-agent.db} and migrates it to the current schema. */
  public static SqliteDatabase openDataDir(Path dataDir, Clock clock) {
    return openDataDir(dataDir, clock, StoreSync.FULL);
  }

  /** As {@link #openDataDir(Path, Clock)}, with the commits reaching the disk as {@code sync} says. */
  public static SqliteDatabase openDataDir(Path dataDir, Clock clock, StoreSync sync) {
    return open(DataDirectory.prepareDatabase(dataDir), clock, DEFAULT_READERS, sync);
  }

  /** Opens (creating where missing) the database {@code file} and migrates it to the current schema. */
  public static SqliteDatabase open(Path file, Clock clock, int readers) {
    return open(file, clock, readers, StoreSync.FULL);
  }

  /** As {@link #open(Path, Clock, int)}, with the commits reaching the disk as {@code sync} says. */
  public static SqliteDatabase open(Path file, Clock clock, int readers, StoreSync sync) {
    if (readers < 1) {
      throw new IllegalArgumentException("readers must be >= 1, got " + readers);
    }
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    List<Connection> opened = new ArrayList<>();
    try {
      Connection writerConnection = connect(url, false, sync);
      opened.add(writerConnection);
      checkWal(writerConnection, file);
      Migrations.apply(writerConnection, clock);
      List<Connection> readerConnections = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        Connection reader = connect(url, true, sync);
        opened.add(reader);
        readerConnections.add(reader);
      }
      return new SqliteDatabase(file, writerConnection, List.copyOf(readerConnections));
    } catch (SQLException | RuntimeException e) {
      opened.forEach(SqliteDatabase::closeQuietly);
      if (e instanceof StoreException s) {
        throw s;
      }
      throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
    }
  }

  private static Connection connect(String url, boolean readOnly, StoreSync sync) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(sync == StoreSync.NORMAL ? SQLiteConfig.SynchronousMode.NORMAL
        : SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    config.setJournalSizeLimit(64 << 20);
    Connection connection = StatementCache.wrap(config.createConnection(url), STATEMENT_CACHE);
    if (readOnly) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA query_only = 1");
      }
    }
    return connection;
  }

  private static void checkWal(Connection connection, Path file) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet mode = statement.executeQuery("PRAGMA journal_mode")) {
      String journal = mode.next() ? mode.getString(1).toLowerCase(Locale.ROOT) : "unknown";
      if (!journal.equals("wal")) {
        log.warn("SQLite would not use WAL mode for {} (journal mode {}): writes stay durable but block reads",
            file, journal);
      }
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public <T> CompletableFuture<T> writeAsync(SqlWork<T> work) {
    if (closed) {
      return CompletableFuture.failedFuture(new StoreException("the store is closed"));
    }
    return writer.submit(work);
  }

  @Override
  public <T> T read(SqlWork<T> work) {
    if (closed) {
      throw new StoreException("the store is closed");
    }
    Connection connection;
    try {
      connection = idleReaders.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for a database reader", e);
    }
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException("store read failed: " + e.getMessage(), e);
    } finally {
      idleReaders.add(connection);
    }
  }

  @Override
  public Dialect dialect() {
    return Dialect.SQLITE;
  }

  /** Finishes queued writes, then closes every connection (the last one checkpoints the WAL). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    writer.close();
    try {
      for (int i = 0; i < readers.size(); i++) {
        idleReaders.take(); // wait for reads in flight
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    readers.forEach(SqliteDatabase::closeQuietly);
    closeQuietly(writerConnection);
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      log.warn("closing a database connection failed: {}", e.toString());
    }
  }
}
