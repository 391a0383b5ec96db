package dev.gpuagent.server.outputs;

import dev.gpuagent.server.http.Authenticator;
import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.WorkerCredential;
import java.util.Objects;
import java.util.Optional;

/**
 * Accepts worker tokens only ({@link IdentityStore#authenticateWorkerToken} looks in the token table
 * alone): an API key gets the same 401 as an unknown token. The principal is the {@link WorkerCredential}.
 */
public final class WorkerTokenAuthenticator implements Authenticator {
  private final IdentityStore identity;

  public WorkerTokenAuthenticator(IdentityStore identity) {
    this.identity = Objects.requireNonNull(identity, "identity");
  }

  @Override
  public Optional<WorkerCredential> authenticate(String bearerToken) {
    return identity.authenticateWorkerToken(bearerToken);
  }
}
