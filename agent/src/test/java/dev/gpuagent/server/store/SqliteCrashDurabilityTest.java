package dev.gpuagent.server.store;

import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

class SqliteCrashDurabilityTest extends CrashDurabilityContractTest {
  @TempDir Path dataDir;

  @Override
  protected Stores open(Clock clock) {
    return Stores.openSqlite(dataDir, clock);
  }

  @Override
  protected IdentityStore identity(Stores stores, Clock clock) {
    return new JdbcIdentityStore(stores.database(), clock);
  }

  @Override
  protected List<String> childArgs(UUID orgId) {
    return List.of("sqlite", dataDir.toString(), orgId.toString());
  }
}
