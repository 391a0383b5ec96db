package dev.gpuagent.server.api;

import dev.gpuagent.server.http.Authenticator;
import dev.gpuagent.server.identity.IdentityStore;
import java.util.Objects;
import java.util.Optional;

/**
 * Accepts organisation API keys only: a worker token is not an API key ({@link
 * IdentityStore#authenticateApiKey} looks in the key table alone), so it gets the same 401 as an
 * unknown key.
 */
public final class ApiKeyAuthenticator implements Authenticator {
  private final IdentityStore identity;

  public ApiKeyAuthenticator(IdentityStore identity) {
    this.identity = Objects.requireNonNull(identity, "identity");
  }

  @Override
  public Optional<ApiPrincipal> authenticate(String bearerToken) {
    return identity.authenticateApiKey(bearerToken).map(ApiPrincipal::new);
  }
}
