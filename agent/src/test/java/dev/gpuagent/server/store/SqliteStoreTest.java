package dev.gpuagent.server.store;

import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContractTest {
  @TempDir Path dataDir;

  @Override
  protected Stores open(Clock clock) {
    return Stores.openSqlite(dataDir, clock);
  }

  @Override
  protected IdentityStore identity(Stores stores, Clock clock) {
    return new JdbcIdentityStore(stores.database(), clock);
  }
}
