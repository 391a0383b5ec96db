package dev.gpuagent.server.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * The stores of the control plane over one database. Identity (organisations, keys, tokens) lives
 * in {@code dev.gpuagent.server.identity} over the same {@link #database()}.
 */
public record Stores(Database database, RunStore runs, DeploymentStore deployments, OutputStore outputs,
    WebhookStore webhooks) implements AutoCloseable {

  public Stores {
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(runs, "runs");
    Objects.requireNonNull(deployments, "deployments");
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(webhooks, "webhooks");
  }

  /** The JDBC stores over {@code database}. */
  public static Stores over(Database database, Clock clock) {
    return new Stores(database, new JdbcRunStore(database, clock), new JdbcDeploymentStore(database, clock),
        new JdbcOutputStore(database, clock), new JdbcWebhookStore(database, clock));
  }

  /** The embedded store: {@code dataDir/gpu-agent.db}, created (0700 folder, 0600 file) and migrated as needed. */
  public static Stores openSqlite(Path dataDir, Clock clock) {
    return openSqlite(dataDir, clock, StoreSync.FULL);
  }

  /** As {@link #openSqlite(Path, Clock)}, with the commits reaching the disk as {@code sync} says. */
  public static Stores openSqlite(Path dataDir, Clock clock, StoreSync sync) {
    return over(SqliteDatabase.openDataDir(dataDir, clock, sync), clock);
  }

  /** Finishes queued writes and closes the database. */
  @Override
  public void close() {
    database.close();
  }
}
