package dev.gpuagent.server;

import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.api.ApiRoutes;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.api.DeploymentFiles;
import dev.gpuagent.server.api.Workflows;
import dev.gpuagent.server.dispatch.DispatchMetrics;
import dev.gpuagent.server.dispatch.DispatchSettings;
import dev.gpuagent.server.dispatch.RunDispatcher;
import dev.gpuagent.server.dispatch.WorkerEndpoint;
import dev.gpuagent.server.http.BodySpool;
import dev.gpuagent.server.http.HttpApiServer;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.http.SystemRoutes;
import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.identity.Organisation;
import dev.gpuagent.server.outputs.LeaseHolders;
import dev.gpuagent.server.outputs.OutputFiles;
import dev.gpuagent.server.outputs.OutputRoutes;
import dev.gpuagent.server.outputs.OutputUploads;
import dev.gpuagent.server.store.Stores;
import dev.gpuagent.server.webhooks.WebhookEvents;
import dev.gpuagent.server.webhooks.WebhookSecrets;
import dev.gpuagent.server.webhooks.WebhookSender;
import dev.gpuagent.workflow.WorkflowLimits;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's parts wired together: the embedded store in the data folder, the file-loaded
 * deployments, the {@code /api} routes, output uploads and signed downloads ({@code server.outputs}),
 * the worker endpoint and dispatcher, {@code /healthz} and {@code /metrics} on one listener, and the
 * webhook sender, told of every transition the dispatcher applies through {@link ObservedRunStore}.
 * {@link #start} opens and binds everything (or closes what it opened and throws); {@link #close}
 * stops the listener first, then the webhook sender, then the store.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  private final Stores stores;
  private final IdentityStore identity;
  private final HttpApiServer http;
  private final Organisation organisation;
  private final WebhookSender webhooks;
  private final RunEvents runEvents;
  private final RunDispatcher dispatcher;
  private final ExecutorService eventThread;

  private ControlPlane(Stores stores, IdentityStore identity, HttpApiServer http, Organisation organisation,
      WebhookSender webhooks, RunEvents runEvents, RunDispatcher dispatcher, ExecutorService eventThread) {
    this.eventThread = eventThread;
    this.webhooks = webhooks;
    this.runEvents = runEvents;
    this.dispatcher = dispatcher;
    this.stores = stores;
    this.identity = identity;
    this.http = http;
    this.organisation = organisation;
  }

  /** Opens the store, loads the deployment files, binds the listener. */
  public static ControlPlane start(ServerSettings settings, Metrics metrics, NodeRegistry nodes,
      CancelNotifier cancelNotifier, Clock clock) {
    return start(settings, metrics, nodes, cancelNotifier, settings.dispatch(), clock);
  }

  /** As above, with the worker protocol's intervals and limits in place of the settings' (tests shorten them). */
  public static ControlPlane start(ServerSettings settings, Metrics metrics, NodeRegistry nodes,
      CancelNotifier cancelNotifier, DispatchSettings dispatch, Clock clock) {
    Objects.requireNonNull(settings, "settings");
    Stores stores = Stores.openSqlite(settings.dataDir(), clock, settings.storeSync());
    HttpApiServer http = null;
    WebhookSender webhooks = null;
    RunDispatcher dispatcher = null;
    // Tells the webhooks of every transition (the dispatcher's and the API's), in commit order, off the
    // store's and the dispatcher's threads.
    ExecutorService eventThread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("run-events", true));
    try {
      IdentityStore identity = new JdbcIdentityStore(stores.database(), clock);
      Organisation organisation = identity.ensureOrganisation(settings.organisation());
      Workflows workflows = new Workflows(nodes, WorkflowLimits.DEFAULT);
      new DeploymentFiles(stores.deployments(), workflows).load(settings.deploymentsDir(), organisation.id());
      webhooks = new WebhookSender(stores.webhooks(), stores.runs(), new WebhookSecrets(settings.dataDir()),
          settings.webhooks(), clock, new SecureRandom()).start();
      RunEvents runEvents = new WebhookEvents(stores.webhooks(), stores.runs(), webhooks::wake);
      // The dispatcher's store tells the webhooks of every transition it applies.
      // ... and records only the outputs stored under the finishing lease (server.outputs).
      RunDispatcher runDispatcher = new RunDispatcher(new ObservedRunStore(stores.runs(), runEvents, eventThread), dispatch, clock,
          new DispatchMetrics(metrics), new StoredLeaseOutputs(stores.outputs(), new OutputFiles(settings.dataDir())),
          identity::workerTokenLive);
      dispatcher = runDispatcher;
      Router.Builder routes = Router.builder();
      AtomicReference<String> publicUrl = new AtomicReference<>(settings.publicUrl());
      OutputRoutes outputs = new OutputRoutes(stores, settings.dataDir(), publicUrl::get,
          Duration.ofSeconds(settings.outputUrlTtlS()), settings.maxUploadBytes(),
          holders(runDispatcher), clock, metrics);
      outputs.addTo(routes, identity);
      CancelNotifier cancels = run -> {
        cancelNotifier.cancelled(run);
        runDispatcher.cancelled(run);
      };
      // The API tells its events (queued, cancelled) on the same thread: a queue call is answered from
      // the store's writer thread, and the events then follow the dispatcher's in commit order.
      ApiRoutes.addTo(routes, stores, identity, nodes, workflows, cancels, dispatcher,
          RunEvents.on(eventThread, runEvents), outputs.records(), settings.maxAttempts());
      SystemRoutes.addTo(routes, metrics, new StoreHealth(stores.database()));
      // Upload bodies stream to files: max_upload_bytes is their limit, not max_body_bytes.
      BodySpool uploads = new BodySpool("PUT", OutputUploads::isUploadPath, settings.maxUploadBytes(),
          settings.dataDir().resolve("outputs").resolve(".spool"),
          "output file exceeds the limit of " + settings.maxUploadBytes() + " bytes");
      http = new HttpApiServer(settings.http(), routes.build(), metrics, WorkerEndpoint.factory(identity, dispatcher),
          uploads);
      dispatcher.start();
      InetSocketAddress bound = http.start();
      publicUrl.set(settings.publicUrl(bound.getPort()));
      LOG.info("gpu-agent server listening on http://{}:{} (data {}, organisation '{}')",
          bound.getHostString(), bound.getPort(), settings.dataDir(), organisation.name());
      return new ControlPlane(stores, identity, http, organisation, webhooks, runEvents, dispatcher, eventThread);
    } catch (RuntimeException e) {
      if (http != null) {
        http.close();
      }
      if (dispatcher != null) {
        dispatcher.close();
      }
      finish(eventThread);
      if (webhooks != null) {
        webhooks.close();
      }
      stores.close();
      throw e;
    }
  }

  /** Tells the events already queued (their webhook writes need the store open), then stops the thread. */
  private static void finish(ExecutorService eventThread) {
    eventThread.shutdown();
    try {
      if (!eventThread.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("run events still queued after 5 s; dropped");
        eventThread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Rule 2 of the upload lease check: the lease's worker connected with the upload's token. */
  private static LeaseHolders holders(RunDispatcher dispatcher) {
    return (credential, workerId) -> dispatcher.connectedWith(workerId, credential.tokenId());
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

  /** Tell it of every run status change (and progress) so webhooks are sent. */
  public RunEvents runEvents() {
    return runEvents;
  }

  /** The worker protocol's dispatcher. */
  public RunDispatcher dispatcher() {
    return dispatcher;
  }

  /** The organisation file-loaded deployments belong to. */
  public Organisation organisation() {
    return organisation;
  }

  @Override
  public void close() {
    try {
      http.close();
      dispatcher.close();
      finish(eventThread);
    } finally {
      try {
        webhooks.close();
      } finally {
        stores.close();
      }
    }
  }
}
