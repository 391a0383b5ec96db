package dev.gpuagent.server;

import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.api.ApiRoutes;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.api.DeploymentFiles;
import dev.gpuagent.server.api.Workflows;
import dev.gpuagent.server.http.HttpApiServer;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.http.SystemRoutes;
import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.identity.Organisation;
import dev.gpuagent.server.outputs.LeaseHolders;
import dev.gpuagent.server.outputs.OutputRoutes;
import dev.gpuagent.server.store.Stores;
import dev.gpuagent.workflow.WorkflowLimits;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's parts wired together: the embedded store in the data folder, the file-loaded
 * deployments, the {@code /api} routes, output uploads and signed downloads ({@code server.outputs}),
 * {@code /healthz} and {@code /metrics} on one listener.
 * {@link #start} opens and binds everything (or closes what it opened and throws); {@link #close}
 * stops the listener first, then the store.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  private final Stores stores;
  private final IdentityStore identity;
  private final HttpApiServer http;
  private final Organisation organisation;

  private ControlPlane(Stores stores, IdentityStore identity, HttpApiServer http, Organisation organisation) {
    this.stores = stores;
    this.identity = identity;
    this.http = http;
    this.organisation = organisation;
  }

  /** Opens the store, loads the deployment files, binds the listener. */
  public static ControlPlane start(ServerSettings settings, Metrics metrics, NodeRegistry nodes,
      CancelNotifier cancelNotifier, Clock clock) {
    Objects.requireNonNull(settings, "settings");
    Stores stores = Stores.openSqlite(settings.dataDir(), clock);
    HttpApiServer http = null;
    try {
      IdentityStore identity = new JdbcIdentityStore(stores.database(), clock);
      Organisation organisation = identity.ensureOrganisation(settings.organisation());
      Workflows workflows = new Workflows(nodes, WorkflowLimits.DEFAULT);
      new DeploymentFiles(stores.deployments(), workflows).load(settings.deploymentsDir(), organisation.id());
      Router.Builder routes = Router.builder();
      AtomicReference<String> publicUrl = new AtomicReference<>(settings.publicUrl());
      OutputRoutes outputs = new OutputRoutes(stores, settings.dataDir(), publicUrl::get,
          Duration.ofSeconds(settings.outputUrlTtlS()), settings.effectiveMaxUploadBytes(),
          LeaseHolders.ANY_WORKER_TOKEN, clock, metrics);
      outputs.addTo(routes, identity);
      ApiRoutes.addTo(routes, stores, identity, nodes, workflows, cancelNotifier, outputs.records());
      SystemRoutes.addTo(routes, metrics, SystemRoutes.Health::ok);
      http = new HttpApiServer(settings.http(), routes.build(), metrics);
      InetSocketAddress bound = http.start();
      publicUrl.set(settings.publicUrl(bound.getPort()));
      LOG.info("gpu-agent server listening on http://{}:{} (data {}, organisation '{}')",
          bound.getHostString(), bound.getPort(), settings.dataDir(), organisation.name());
      return new ControlPlane(stores, identity, http, organisation);
    } catch (RuntimeException e) {
      if (http != null) {
        http.close();
      }
      stores.close();
      throw e;
    }
  }

  public int port() {
    return http.port();
  }

  public InetSocketAddress address() {
    return http.address();
  }

  public Stores stores() {
    return stores;
  }

  public IdentityStore identity() {
    return identity;
  }

  /** The organisation file-loaded deployments belong to. */
  public Organisation organisation() {
    return organisation;
  }

  @Override
  public void close() {
    try {
      http.close();
    } finally {
      stores.close();
    }
  }
}
