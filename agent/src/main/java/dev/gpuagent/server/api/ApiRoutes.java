package dev.gpuagent.server.api;

import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.RunEvents;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Stores;

/** Every {@code /api} route and the API-key authenticator that guards them. */
public final class ApiRoutes {
  private ApiRoutes() {}

  public static Router.Builder addTo(Router.Builder router, Stores stores, IdentityStore identity,
      NodeRegistry nodes, Workflows workflows, CancelNotifier cancelNotifier) {
    return addTo(router, stores, identity, nodes, workflows, cancelNotifier, RunQueuedListener.NONE, RunEvents.NONE,
        RunOutputs.STORED, NewRun.DEFAULT_MAX_ATTEMPTS);
  }

  /**
   * As above; {@code queuedListener} hears of every queued run (the dispatcher), {@code events} of each
   * run the API queues or cancels (webhooks), and {@code outputs} renders the record's outputs.
   */
  public static Router.Builder addTo(Router.Builder router, Stores stores, IdentityStore identity,
      NodeRegistry nodes, Workflows workflows, CancelNotifier cancelNotifier, RunQueuedListener queuedListener,
      RunEvents events, RunOutputs outputs, int maxAttempts) {
    router.authenticate("/api", new ApiKeyAuthenticator(identity));
    new RunRoutes(stores.runs(), stores.deployments(), workflows, cancelNotifier, queuedListener, events, outputs,
        maxAttempts).addTo(router);
    new DeploymentRoutes(stores.deployments(), workflows, nodes).addTo(router);
    OpenApi.addTo(router);
    return router;
  }
}
