package dev.gpuagent.server.http;

import java.util.Optional;

/**
 * Checks a bearer token for the routes under a prefix ({@link Router.Builder#authenticate}). The
 * router takes the token from {@code Authorization: Bearer <token>} and answers 401 itself when the
 * header is missing or is not a bearer credential; this hook decides whether the token is good.
 * It runs on the handler pool, so it may look the token up in the store. The principal it returns
 * is given to the handler as {@link Request#principal()}.
 */
@FunctionalInterface
public interface Authenticator {
  /** The principal the token belongs to, or empty when it is unknown, revoked or malformed. */
  Optional<?> authenticate(String bearerToken) throws Exception;
}
