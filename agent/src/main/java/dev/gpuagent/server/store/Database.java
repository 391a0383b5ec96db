package dev.gpuagent.server.store;

import java.util.concurrent.CompletableFuture;

/**
 * Transactions on the store's database. {@link #write} runs its work in one transaction and returns
 * only after that transaction is durably committed; {@link #read} sees every write that returned
 * before it started.
 */
public interface Database extends AutoCloseable {
  /** Runs {@code work} in one transaction and commits it durably; rolls it back if it throws. */
  default <T> T write(SqlWork<T> work) {
    return Futures.join(writeAsync(work));
  }

  /** As {@link #write}; the future completes after the commit (or exceptionally with a StoreException). */
  <T> CompletableFuture<T> writeAsync(SqlWork<T> work);

  /** Runs read-only {@code work} on a connection that sees all committed writes. */
  <T> T read(SqlWork<T> work);

  Dialect dialect();

  @Override
  void close();
}
