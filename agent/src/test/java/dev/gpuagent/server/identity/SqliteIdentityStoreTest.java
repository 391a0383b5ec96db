package dev.gpuagent.server.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteIdentityStoreTest extends IdentityStoreContractTest {
  @TempDir Path dataDir;

  @Override
  protected Stores open(Clock clock) {
    return Stores.openSqlite(dataDir, clock);
  }

  @Override
  protected IdentityStore identity(Stores stores, Clock clock) {
    return new JdbcIdentityStore(stores.database(), clock);
  }

  @Test
  void aRevocationMadeByAnotherProcessTakesEffectWithinTheRememberedTime() {
    IssuedSecret key = identity.createApiKey(identity.createOrganisation("acme").id(), null);
    IssuedSecret token = identity.createWorkerToken("w");
    assertTrue(identity.authenticateApiKey(key.plaintext()).isPresent());
    assertTrue(identity.authenticateWorkerToken(token.plaintext()).isPresent());
    // As `gpu-agent keys revoke` does: another store on the same database.
    IdentityStore cli = new JdbcIdentityStore(stores.database(), clock);
    assertTrue(cli.revokeApiKey(key.id()));
    assertTrue(cli.revokeWorkerToken(token.id()));
    assertTrue(identity.authenticateApiKey(key.plaintext()).isPresent(), "remembered from the check just made");
    assertTrue(identity.authenticateWorkerToken(token.plaintext()).isPresent(), "remembered from the check just made");
    clock.advance(JdbcIdentityStore.REMEMBER_FOR);
    assertTrue(identity.authenticateApiKey(key.plaintext()).isEmpty(), "revoked, once the remembered time is over");
    assertTrue(identity.authenticateWorkerToken(token.plaintext()).isEmpty(), "revoked, once the remembered time is over");
  }

  @Test
  void anUnknownSecretIsNotRemembered() {
    Organisation acme = identity.createOrganisation("acme");
    String plaintext = "gak_" + "A".repeat(Secrets.BODY_LENGTH);
    assertTrue(identity.authenticateApiKey(plaintext).isEmpty());
    identity.importApiKey(acme.id(), "imported", plaintext);
    assertTrue(identity.authenticateApiKey(plaintext).isPresent(), "accepted at once once it exists");
  }

  @Test
  void theDatabaseHoldsOnlyTheHashOfASecret() throws Exception {
    IssuedSecret key = identity.createApiKey(identity.createOrganisation("acme").id(), null);
    IssuedSecret token = identity.createWorkerToken("w");
    stores.close();
    byte[] file = Files.readAllBytes(dataDir.resolve("gpu-agent.db"));
    String content = new String(file, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertFalse(content.contains(key.plaintext()), "the API key is not stored");
    assertFalse(content.contains(token.plaintext()), "the worker token is not stored");
    assertEquals(true, content.contains(Secrets.hash(key.plaintext())), "its hash is");
    stores = open(clock);
  }
}
