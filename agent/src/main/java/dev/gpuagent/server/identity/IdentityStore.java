package dev.gpuagent.server.identity;

import java.util.Optional;
import java.util.UUID;

/** Organisations, API keys and worker tokens. Plaintext secrets leave only through {@link IssuedSecret}. */
public interface IdentityStore {
  /** A new organisation; IllegalArgumentException when the name is taken or blank. */
  Organisation createOrganisation(String name);

  /** The organisation named {@code name}, created if there is none. */
  Organisation ensureOrganisation(String name);

  Optional<Organisation> findOrganisation(String name);

  Optional<Organisation> organisation(UUID id);

  /** A new API key of the organisation; IllegalArgumentException for an unknown organisation. */
  IssuedSecret createApiKey(UUID orgId, String name);

  /** The organisation the key belongs to; empty for a malformed, unknown or revoked key. */
  Optional<UUID> authenticateApiKey(String presented);

  /** Revokes the key; false when there is no such live key. */
  boolean revokeApiKey(UUID keyId);

  /** A new worker token. */
  /**
   * Stores a key chosen elsewhere (the dev mode's {@code --api-key}) for the organisation; returns
   * null when it is already stored for it. Throws when it is malformed or belongs to another one.
   */
  IssuedSecret importApiKey(UUID orgId, String name, String plaintext);

  IssuedSecret createWorkerToken(String name);

  /** The token's identity; empty for a malformed, unknown or revoked token. */
  Optional<WorkerCredential> authenticateWorkerToken(String presented);

  /** Revokes the token; false when there is no such live token. */
  boolean revokeWorkerToken(UUID tokenId);

  /** Whether the worker token exists and is not revoked (the dispatcher re-checks connected workers). */
  boolean workerTokenLive(UUID tokenId);
}
