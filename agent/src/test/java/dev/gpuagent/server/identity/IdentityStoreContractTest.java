package dev.gpuagent.server.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.store.MutableClock;
import dev.gpuagent.server.store.Stores;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link IdentityStore}; every implementation extends this class. */
public abstract class IdentityStoreContractTest {
  protected final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
  protected Stores stores;
  protected IdentityStore identity;

  protected abstract Stores open(Clock clock);

  protected abstract IdentityStore identity(Stores stores, Clock clock);

  @BeforeEach
  void openStore() {
    stores = open(clock);
    identity = identity(stores, clock);
  }

  @AfterEach
  void closeStore() {
    stores.close();
  }

  @Test
  void organisationsAreCreatedOnceByName() {
    Organisation acme = identity.createOrganisation("acme");
    assertEquals("acme", acme.name());
    assertEquals(clock.instant(), acme.createdAt());
    assertThrows(IllegalArgumentException.class, () -> identity.createOrganisation("acme"));
    assertThrows(IllegalArgumentException.class, () -> identity.createOrganisation("  "));
    assertEquals(acme, identity.ensureOrganisation("acme"));
    assertEquals(Optional.of(acme), identity.findOrganisation("acme"));
    assertEquals(Optional.of(acme), identity.organisation(acme.id()));
    Organisation other = identity.ensureOrganisation("other");
    assertNotEquals(acme.id(), other.id());
    assertTrue(identity.findOrganisation("nobody").isEmpty());
  }

  @Test
  void apiKeyAuthenticatesAsItsOrganisation() {
    Organisation acme = identity.createOrganisation("acme");
    Organisation other = identity.createOrganisation("other");
    IssuedSecret key = identity.createApiKey(acme.id(), "ci");
    IssuedSecret otherKey = identity.createApiKey(other.id(), null);
    assertTrue(key.plaintext().startsWith("gak_"), key.prefix());
    assertEquals(key.plaintext().substring(0, 12), key.prefix());
    assertEquals(Optional.of(acme.id()), identity.authenticateApiKey(key.plaintext()));
    assertEquals(Optional.of(other.id()), identity.authenticateApiKey(otherKey.plaintext()));
    assertThrows(IllegalArgumentException.class, () -> identity.createApiKey(UUID.randomUUID(), null));
  }

  @Test
  void wrongMalformedAndRevokedKeysAreRejected() {
    Organisation acme = identity.createOrganisation("acme");
    IssuedSecret key = identity.createApiKey(acme.id(), null);
    String plaintext = key.plaintext();
    char last = plaintext.charAt(plaintext.length() - 1);
    String oneCharOff = plaintext.substring(0, plaintext.length() - 1) + (last == 'a' ? 'b' : 'a');
    assertTrue(identity.authenticateApiKey(oneCharOff).isEmpty(), "same prefix, different secret");
    assertTrue(identity.authenticateApiKey(plaintext + "x").isEmpty());
    assertTrue(identity.authenticateApiKey(plaintext.substring(1)).isEmpty());
    assertTrue(identity.authenticateApiKey("").isEmpty());
    assertTrue(identity.authenticateApiKey(null).isEmpty());
    assertTrue(identity.authenticateApiKey(plaintext.replace("gak_", "gwt_")).isEmpty());
    assertTrue(identity.revokeApiKey(key.id()));
    assertFalse(identity.revokeApiKey(key.id()), "already revoked");
    assertTrue(identity.authenticateApiKey(plaintext).isEmpty(), "revoked");
  }

  @Test
  void workerTokensAndApiKeysAreNotInterchangeable() {
    Organisation acme = identity.createOrganisation("acme");
    IssuedSecret key = identity.createApiKey(acme.id(), null);
    IssuedSecret token = identity.createWorkerToken("gpu-host-1");
    assertTrue(token.plaintext().startsWith("gwt_"));
    assertEquals(Optional.of(new WorkerCredential(token.id(), "gpu-host-1")),
        identity.authenticateWorkerToken(token.plaintext()));
    assertTrue(identity.authenticateWorkerToken(key.plaintext()).isEmpty(), "an API key is no worker token");
    assertTrue(identity.authenticateApiKey(token.plaintext()).isEmpty(), "a worker token is no API key");
    IssuedSecret unnamed = identity.createWorkerToken(null);
    assertEquals(Optional.of(new WorkerCredential(unnamed.id(), null)),
        identity.authenticateWorkerToken(unnamed.plaintext()));
    assertTrue(identity.workerTokenLive(token.id()));
    assertTrue(identity.revokeWorkerToken(token.id()));
    assertTrue(identity.authenticateWorkerToken(token.plaintext()).isEmpty());
    assertFalse(identity.workerTokenLive(token.id()), "revoked");
    assertTrue(identity.workerTokenLive(unnamed.id()));
    assertFalse(identity.workerTokenLive(java.util.UUID.randomUUID()), "unknown");
  }

  @Test
  void issuedSecretNeverPrintsItsPlaintext() {
    IssuedSecret token = identity.createWorkerToken("w");
    assertFalse(token.toString().contains(token.plaintext()));
    assertTrue(token.toString().contains(token.prefix()));
  }

  @Test
  void keysSurviveReopening() {
    Organisation acme = identity.createOrganisation("acme");
    IssuedSecret key = identity.createApiKey(acme.id(), null);
    IssuedSecret token = identity.createWorkerToken("w");
    stores.close();
    stores = open(clock);
    identity = identity(stores, clock);
    assertEquals(Optional.of(acme.id()), identity.authenticateApiKey(key.plaintext()));
    assertEquals(token.id(), identity.authenticateWorkerToken(token.plaintext()).orElseThrow().tokenId());
  }
}
