package dev.gpuagent.server.outputs;

import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.store.Stores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Output storage wired onto a router: the upload route under {@code /worker/v1/runs} (worker tokens
 * only), the signed download routes under {@code /outputs} (no bearer), and the {@link OutputRecords}
 * that renders the run record's {@code outputs} with fresh links.
 */
public final class OutputRoutes {
  private final OutputFiles files;
  private final OutputLinks links;
  private final OutputRecords records;
  private final OutputUploads uploads;
  private final OutputDownloads downloads;

  public OutputRoutes(Stores stores, Path dataDir, Supplier<String> publicUrl, Duration linkTtl, long maxUploadBytes,
      LeaseHolders holders, Clock clock, Metrics metrics) {
    this.files = new OutputFiles(dataDir);
    this.links = OutputLinks.open(dataDir, publicUrl, linkTtl, clock);
    this.records = new OutputRecords(links);
    this.uploads = new OutputUploads(stores.runs(), stores.outputs(), files, holders, maxUploadBytes, clock, metrics);
    this.downloads = new OutputDownloads(links.signer(), stores.outputs(), files);
  }

  /** Adds the routes and the worker-token authenticator of {@code /worker/v1/runs}. */
  public Router.Builder addTo(Router.Builder router, IdentityStore identity) {
    router.authenticate("/worker/v1/runs", new WorkerTokenAuthenticator(identity));
    router.routeAsync("PUT", "/worker/v1/runs/{run_id}/outputs/{filename}", uploads::upload);
    for (String pattern : OutputDownloads.patterns()) {
      router.get(pattern, downloads::download);
    }
    return router;
  }

  /** Renders the run record's {@code outputs} with signed links (give it to the API routes). */
  public OutputRecords records() {
    return records;
  }

  public OutputLinks links() {
    return links;
  }

  public OutputFiles files() {
    return files;
  }
}
