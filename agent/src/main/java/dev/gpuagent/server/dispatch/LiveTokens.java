package dev.gpuagent.server.dispatch;

import java.util.UUID;

/**
 * Whether a worker token is still valid (not revoked): the dispatcher asks every heartbeat interval
 * for the tokens of its connected workers, so a token revoked from the CLI (on the database, outside
 * the running server) closes its connections with 1008 within one interval.
 */
@FunctionalInterface
public interface LiveTokens {
  /** Never revokes (a dispatcher without an identity store). */
  LiveTokens ALL = tokenId -> true;

  boolean live(UUID tokenId);
}
