package dev.gpuagent.server.outputs;

import dev.gpuagent.metrics.Buckets;
import dev.gpuagent.metrics.MeterFamily;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.metrics.Unit;
import dev.gpuagent.protocol.OutputNames;
import dev.gpuagent.server.http.ApiException;
import dev.gpuagent.server.http.Request;
import dev.gpuagent.server.http.Response;
import dev.gpuagent.server.http.SpooledBody;
import dev.gpuagent.server.identity.WorkerCredential;
import dev.gpuagent.server.store.OutputStore;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunOutput;
import dev.gpuagent.server.store.RunStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT /worker/v1/runs/{run_id}/outputs/{filename}?lease=...[&subfolder=...]} with {@code
 * X-Fencing-Token} (docs/protocol.md section 10). Order of checks: names, {@code lease} and token
 * (400), size from {@code Content-Length} (413), the run (404), the lease check of section 6 (409,
 * the detail names the failing rule), then the body is moved into place (the spooled file itself,
 * {@link OutputFiles#move}; a body in memory is written to a temporary file first), and the row is
 * inserted by {@link OutputStore#add}, whose statement checks the fencing token again: an upload that
 * loses a race with a new lease, a cancel or the run's finish is 409 and its file is deleted.
 */
public final class OutputUploads {
  private static final Logger LOG = LoggerFactory.getLogger(OutputUploads.class);
  static final String DEFAULT_TYPE = "application/octet-stream";
  static final String UPLOAD_PREFIX = "/worker/v1/runs/";

  private final RunStore runs;
  private final OutputStore outputs;
  private final OutputFiles files;
  private final LeaseHolders holders;
  private final long maxUploadBytes;
  private final Clock clock;
  private final MeterFamily<Counter> uploads;
  private final DistributionSummary sizes;

  /** {@code metrics} may be null (no meters). */
  public OutputUploads(RunStore runs, OutputStore outputs, OutputFiles files, LeaseHolders holders,
      long maxUploadBytes, Clock clock, Metrics metrics) {
    Metrics meters = metrics == null ? Metrics.of(new SimpleMeterRegistry()) : metrics;
    this.uploads = meters.counters("output_uploads", "Output file uploads from workers, by outcome", "outcome");
    this.sizes = meters.histogram("output_size", Unit.BYTES, "Sizes of the output files stored", Buckets.SIZES);
    this.runs = Objects.requireNonNull(runs, "runs");
    this.outputs = Objects.requireNonNull(outputs, "outputs");
    this.files = Objects.requireNonNull(files, "files");
    this.holders = Objects.requireNonNull(holders, "holders");
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("maxUploadBytes must be positive");
    }
    this.maxUploadBytes = maxUploadBytes;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** {@code subfolder/filename}, or {@code filename} without a subfolder: the file's name within its lease. */
  public static String relativePath(String subfolder, String filename) {
    return subfolder == null || subfolder.isEmpty() ? filename : subfolder + "/" + filename;
  }

  /** Null when the pair is acceptable, else why not ({@link OutputNames}). */
  static String nameProblem(String subfolder, String filename) {
    String problem = OutputNames.filenameProblem(filename);
    return problem != null ? problem : OutputNames.subfolderProblem(subfolder);
  }

  /**
   * Answered once the file's record is committed, by the store's writer thread (the handler thread
   * is not parked on the commit).
   */
  CompletableFuture<Response> upload(Request request) {
    CompletableFuture<Response> answer;
    try {
      answer = store(request);
    } catch (ApiException e) {
      count(e);
      throw e;
    }
    return answer.whenComplete((stored, failure) -> {
      if (failure == null) {
        uploads.labels("stored").increment();
      } else if (failure.getCause() instanceof ApiException e) {
        count(e);
      }
    });
  }

  private void count(ApiException refusal) {
    uploads.labels(switch (refusal.status()) {
      case 409 -> "stale";
      case 413 -> "too_large";
      case 404 -> "unknown_run";
      default -> "bad_request";
    }).increment();
  }

  private CompletableFuture<Response> store(Request request) {
    WorkerCredential credential = request.principal(WorkerCredential.class);
    String filename = request.pathParam("filename");
    String subfolder = request.queryParam("subfolder").orElse("");
    String problem = nameProblem(subfolder, filename);
    if (problem != null) {
      throw new ApiException(400, problem);
    }
    String leaseId = request.queryParam("lease").filter(s -> !s.isEmpty())
        .orElseThrow(() -> new ApiException(400, "the lease query parameter is required"));
    long token = fencingToken(request);
    Optional<Long> declared = contentLength(request);
    if (declared.isPresent() && declared.get() > maxUploadBytes || request.bodySize() > maxUploadBytes) {
      throw tooLarge();
    }
    UUID runId = runId(request.pathParam("run_id"));
    Run run = runs.find(runId).orElseThrow(() -> new ApiException(404, "Run not found"));
    String stale = leaseProblem(run, leaseId, token, credential);
    if (stale != null) {
      throw ApiException.conflict(stale);
    }
    String relative = relativePath(subfolder, filename);
    String key = OutputFiles.storageKey(runId, token, relative);
    OutputFiles.Stored stored;
    try {
      stored = storeBody(request, runId, key);
    } catch (OutputFiles.TooLarge e) {
      throw tooLarge();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store output " + relative + " of run " + runId, e);
    }
    String mediaType = contentType(request);
    RunOutput row = new RunOutput(runId, run.attempt(), "", "", relative, mediaType, stored.sizeBytes(),
        stored.sha256(), key, clock.instant());
    return outputs.addAsync(row, token).thenApply(added -> {
      if (added.isEmpty()) { // lost a race with a new lease, a cancel or the finish (rare: a read is fine here)
        files.delete(key);
        Run now = runs.find(runId).orElse(run);
        String why = now.status().isTerminal() ? "run is already " + now.status().wireName()
            : "lease " + leaseId + " is no longer the run's lease (lease_closed)";
        LOG.info("refused output {} of run {}: {}", relative, runId, why);
        throw ApiException.conflict(why);
      }
      sizes.record(stored.sizeBytes());
      LOG.debug("stored output {} of run {} ({} bytes, {})", relative, runId, stored.sizeBytes(), mediaType);
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("filename", filename);
      answer.put("subfolder", subfolder);
      answer.put("size_bytes", stored.sizeBytes());
      return Response.json(201, answer);
    });
  }

  /** Moves a spooled body into place; writes a body in memory. */
  private OutputFiles.Stored storeBody(Request request, UUID runId, String key)
      throws IOException, OutputFiles.TooLarge {
    SpooledBody spooled = request.spooledBody();
    if (spooled != null) {
      return files.move(runId, key, spooled, maxUploadBytes);
    }
    try (InputStream body = request.bodyStream()) {
      return files.write(runId, key, body, maxUploadBytes);
    }
  }

  /**
   * Whether {@code rawPath} is an upload's ({@code /worker/v1/runs/{run_id}/outputs/{filename}}): the
   * listener streams those bodies to a file ({@code BodySpool}) instead of aggregating them in memory.
   */
  public static boolean isUploadPath(String rawPath) {
    return rawPath.startsWith(UPLOAD_PREFIX) && rawPath.indexOf("/outputs/", UPLOAD_PREFIX.length()) > 0;
  }

  /** The failing rule of the lease check (section 6, for uploads), or null when it passes. */
  private String leaseProblem(Run run, String leaseId, long token, WorkerCredential credential) {
    if (run.status().isTerminal()) {
      return "run is already " + run.status().wireName();
    }
    if (!leaseId.equals(run.gpuEventId())) {
      return "lease " + leaseId + " is not the run's current lease (unknown_lease)";
    }
    if (run.machineId() == null || !holders.holds(credential, run.machineId())) {
      return "lease " + leaseId + " was not granted to this worker token (unknown_lease)";
    }
    if (token != run.fencingToken()) {
      return "fencing token " + token + " is not the lease's (token_mismatch)";
    }
    if (!run.status().isLeased()) {
      return "lease " + leaseId + " is closed (lease_closed)";
    }
    if (run.leaseExpiresAt() == null || !clock.instant().isBefore(run.leaseExpiresAt())) {
      return "lease " + leaseId + " has expired (lease_expired)";
    }
    return null;
  }

  private ApiException tooLarge() {
    return new ApiException(413, "output file exceeds the limit of " + maxUploadBytes + " bytes");
  }

  private static long fencingToken(Request request) {
    String text = request.header("X-Fencing-Token")
        .orElseThrow(() -> new ApiException(400, "the X-Fencing-Token header is required"));
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new ApiException(400, "X-Fencing-Token must be an integer");
    }
  }

  private static Optional<Long> contentLength(Request request) {
    try {
      return request.header("Content-Length").map(s -> Long.parseLong(s.strip()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  static UUID runId(String text) {
    try {
      UUID id = UUID.fromString(text);
      if (!id.toString().equalsIgnoreCase(text)) {
        throw new IllegalArgumentException("not canonical");
      }
      return id;
    } catch (IllegalArgumentException e) {
      throw new ApiException(404, "Run not found");
    }
  }

  /** The request's Content-Type, kept as sent when it is a plausible media type; else the default. */
  private static String contentType(Request request) {
    String type = request.header("Content-Type").map(String::strip).orElse("");
    if (type.isEmpty() || type.length() > 255 || !type.matches("[!-~]+/[!-~]+(;[ -~]*)?")) {
      return DEFAULT_TYPE;
    }
    return type;
  }
}
