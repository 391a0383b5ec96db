package dev.gpuagent.server.store;

/**
 * What differs between the SQL databases the store runs on. Everything else the stores say is the
 * common subset of SQLite 3.35+ and PostgreSQL 13+ ({@code UPDATE ... RETURNING}, {@code INSERT ...
 * ON CONFLICT ... DO UPDATE}, partial indexes, {@code ||}).
 */
public enum Dialect {
  /** One writer at a time (the whole database is locked for writes), so a claim needs no row lock. */
  SQLITE("", "(SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM runs)"),
  /**
   * Several server replicas claim concurrently: the claim's inner select locks the row it picks and
   * skips rows another transaction holds, so two claimers never wait on, or take, the same run.
   */
  POSTGRESQL(" FOR UPDATE SKIP LOCKED", "nextval('runs_queue_order')");

  private final String claimLock;
  private final String nextQueueSeq;

  Dialect(String claimLock, String nextQueueSeq) {
    this.claimLock = claimLock;
    this.nextQueueSeq = nextQueueSeq;
  }

  /** Appended to the select that picks the next queued run inside the claiming update. */
  public String claimLock() {
    return claimLock;
  }

  /**
   * The expression that gives a new run its place in the queue. SQLite has one writer, so the
   * maximum plus one (an index lookup) is safe; PostgreSQL uses a sequence (created by its own
   * migration step, docs/store.md), since concurrent transactions would read the same maximum.
   */
  public String nextQueueSeq() {
    return nextQueueSeq;
  }
}
