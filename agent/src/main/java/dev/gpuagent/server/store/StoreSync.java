package dev.gpuagent.server.store;

/**
 * When a commit of the embedded store reaches the disk ({@code store_sync}; SQLite's {@code
 * synchronous} in WAL mode). Either way a write that returned survives {@code kill -9} of the server
 * (DESIGN section 8): the WAL is written before the commit returns.
 */
public enum StoreSync {
  /** Every commit is fsynced before it returns: it also survives a power cut or an OS crash. */
  FULL,
  /**
   * Commits are written to the WAL but fsynced only at checkpoints: the last commits before a power
   * cut or an OS crash may be lost (the database stays consistent). Saves one fsync per commit.
   */
  NORMAL
}
