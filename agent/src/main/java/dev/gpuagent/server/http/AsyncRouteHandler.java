package dev.gpuagent.server.http;

import java.util.concurrent.CompletionStage;

/**
 * Answers one request later: the handler does its checks on the handler pool (throwing {@link
 * ApiException} as a {@link RouteHandler} would), starts the slow part (a store commit) and returns
 * its answer as a stage. The handler thread goes back to the pool at once instead of being parked
 * until the commit; whichever thread completes the stage hands the response to the connection's event
 * loop. A stage that fails is answered as a thrown exception would be. A spooled body is discarded
 * once the handler returns: read or move it before.
 */
@FunctionalInterface
public interface AsyncRouteHandler {
  CompletionStage<Response> handle(Request request) throws Exception;
}
