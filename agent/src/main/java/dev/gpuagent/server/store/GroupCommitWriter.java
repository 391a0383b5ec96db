package dev.gpuagent.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes to an embedded database, with group commit: the work that queued up
 * while the previous commit was syncing runs in one transaction, and one commit (one fsync) makes the
 * whole batch durable. Should a piece throw, the batch is rolled back and run again with each piece
 * inside its own savepoint, so only that piece fails. Each future completes only after that commit.
 * With a 1 ms fsync this turns a ceiling of about 1,000 durable writes a second into one bounded by
 * the work itself.
 */
final class GroupCommitWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  static final int MAX_BATCH = 256;

  private record Task<T>(SqlWork<T> work, CompletableFuture<T> future) {
    void complete(Object result) {
      @SuppressWarnings("unchecked")
      T value = (T) result;
      future.complete(value);
    }
  }

  private static final Task<Void> STOP = new Task<>(c -> null, new CompletableFuture<>());

  private final Connection connection;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closed;

  GroupCommitWriter(Connection connection, String name) {
    this.connection = connection;
    this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
    thread.start();
  }

  <T> CompletableFuture<T> submit(SqlWork<T> work) {
    CompletableFuture<T> future = new CompletableFuture<>();
    if (Thread.currentThread() == thread) {
      future.completeExceptionally(new IllegalStateException("store work must not start other store work"));
      return future;
    }
    queue.add(new Task<>(work, future));
    if (closed) {
      failPending();
    }
    return future;
  }

  private void loop() {
    List<Task<?>> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch, MAX_BATCH - 1);
        boolean stop = batch.remove(STOP);
        if (!batch.isEmpty()) {
          runBatch(batch);
        }
        batch.clear();
        if (stop) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      failPending();
      closeControl();
    }
  }

  /**
   * The transaction statements, prepared once: compiling {@code SAVEPOINT} and its friends again for
   * every piece of work cost as much as the work itself.
   */
  private final class Control implements AutoCloseable {
    final PreparedStatement begin;
    final PreparedStatement savepoint;
    final PreparedStatement release;
    final PreparedStatement rollbackTo;
    final PreparedStatement commit;
    final PreparedStatement rollback;

    Control() throws SQLException {
      // IMMEDIATE takes the write lock at once (a deferred transaction that read first can fail to
      // upgrade in WAL mode); explicit statements rather than JDBC's auto-commit switch.
      begin = connection.prepareStatement("BEGIN IMMEDIATE");
      savepoint = connection.prepareStatement("SAVEPOINT work");
      release = connection.prepareStatement("RELEASE SAVEPOINT work");
      rollbackTo = connection.prepareStatement("ROLLBACK TO SAVEPOINT work");
      commit = connection.prepareStatement("COMMIT");
      rollback = connection.prepareStatement("ROLLBACK");
    }

    @Override
    public void close() throws SQLException {
      for (PreparedStatement s : List.of(begin, savepoint, release, rollbackTo, commit, rollback)) {
        s.close();
      }
    }
  }

  private Control control;

  private Control control() throws SQLException {
    if (control == null) {
      control = new Control();
    }
    return control;
  }

  private void runBatch(List<Task<?>> batch) {
    Object[] results = new Object[batch.size()];
    Throwable[] failures = new Throwable[batch.size()];
    try {
      Control tx = control();
      Throwable failed = runTogether(tx, batch, results);
      if (failed != null) {
        if (batch.size() == 1) {
          failures[0] = failed;
        } else {
          // One piece threw and took the batch's transaction with it: again, each piece in a savepoint.
          Arrays.fill(results, null);
          runIsolated(tx, batch, results, failures);
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.error("store commit failed; {} writes rolled back: {}", batch.size(), e.toString());
      StoreException failure = new StoreException("store write failed: " + e.getMessage(), e);
      batch.forEach(task -> task.future().completeExceptionally(failure));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      if (failures[i] == null) {
        batch.get(i).complete(results[i]);
      } else {
        batch.get(i).future().completeExceptionally(translate(failures[i]));
      }
    }
  }

  /**
   * Every piece in one transaction without savepoints (two statements a piece fewer: pieces seldom
   * fail) and commits. When a piece throws, rolls the whole transaction back and returns what it
   * threw; the work of a piece only touches the database, so running it again is safe.
   */
  private Throwable runTogether(Control tx, List<Task<?>> batch, Object[] results) throws SQLException {
    tx.begin.execute();
    try {
      for (int i = 0; i < batch.size(); i++) {
        try {
          results[i] = batch.get(i).work().run(connection);
        } catch (Throwable e) { // the future reports it; the thread keeps serving
          tx.rollback.execute();
          return e;
        }
      }
      tx.commit.execute();
      return null;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(tx);
      throw e;
    }
  }

  /** Every piece in its own savepoint inside one transaction: a piece that throws is rolled back alone. */
  private void runIsolated(Control tx, List<Task<?>> batch, Object[] results, Throwable[] failures)
      throws SQLException {
    tx.begin.execute();
    try {
      for (int i = 0; i < batch.size(); i++) {
        tx.savepoint.execute();
        try {
          results[i] = batch.get(i).work().run(connection);
          tx.release.execute();
        } catch (Throwable e) {
          failures[i] = e;
          tx.rollbackTo.execute();
          tx.release.execute();
        }
      }
      tx.commit.execute();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(tx);
      throw e;
    }
  }

  private static Throwable translate(Throwable failure) {
    return failure instanceof SQLException e ? new StoreException("store write failed: " + e.getMessage(), e) : failure;
  }

  private static void rollbackQuietly(Control tx) {
    try {
      tx.rollback.execute();
    } catch (SQLException e) {
      log.warn("rollback failed: {}", e.toString());
    }
  }

  private void closeControl() {
    if (control != null) {
      try {
        control.close();
      } catch (SQLException e) {
        log.warn("closing the transaction statements failed: {}", e.toString());
      }
      control = null;
    }
  }

  private void failPending() {
    Task<?> task;
    while ((task = queue.poll()) != null) {
      task.future().completeExceptionally(new StoreException("the store is closed"));
    }
  }

  /** Finishes the work already queued, then stops the thread; later submissions fail. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(STOP);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
