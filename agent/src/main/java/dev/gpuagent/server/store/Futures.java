package dev.gpuagent.server.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Waits on store futures and rethrows what failed inside them as it was thrown. */
public final class Futures {
  private Futures() {}

  public static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for the store", e);
    } catch (ExecutionException | CompletionException e) {
      throw unwrap(e.getCause());
    }
  }

  static RuntimeException unwrap(Throwable cause) {
    if (cause instanceof CompletionException c && c.getCause() != null) {
      return unwrap(c.getCause());
    }
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error e) {
      throw e;
    }
    return new StoreException("store operation failed: " + cause, cause);
  }
}
