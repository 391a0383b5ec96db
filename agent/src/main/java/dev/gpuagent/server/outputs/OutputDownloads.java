package dev.gpuagent.server.outputs;

import dev.gpuagent.protocol.OutputNames;
import dev.gpuagent.server.http.ApiException;
import dev.gpuagent.server.http.Request;
import dev.gpuagent.server.http.Response;
import dev.gpuagent.server.http.SignedUrls;
import dev.gpuagent.server.store.OutputStore;
import dev.gpuagent.server.store.RunOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * {@code GET /outputs/{run_id}/{subfolder/}filename?expires=...&signature=...}: no bearer header; the
 * signature (over the raw path) is checked first, so without a valid link nothing is revealed, not
 * even whether a run exists (403). The file is then looked up by name among the run's stored outputs
 * (latest attempt) and streamed from its storage key: the request's path never becomes a file path,
 * so {@code ..} and encoded slashes cannot reach outside the output folder.
 */
public final class OutputDownloads {
  private final SignedUrls signer;
  private final OutputStore outputs;
  private final OutputFiles files;

  public OutputDownloads(SignedUrls signer, OutputStore outputs, OutputFiles files) {
    this.signer = Objects.requireNonNull(signer, "signer");
    this.outputs = Objects.requireNonNull(outputs, "outputs");
    this.files = Objects.requireNonNull(files, "files");
  }

  /** The route patterns: a filename under 0 to {@link OutputNames#MAX_SUBFOLDER_DEPTH} subfolder levels. */
  static List<String> patterns() {
    List<String> patterns = new ArrayList<>();
    StringBuilder prefix = new StringBuilder("/outputs/{run_id}");
    for (int depth = 0; depth <= OutputNames.MAX_SUBFOLDER_DEPTH; depth++) {
      patterns.add(prefix + "/{filename}");
      prefix.append("/{s").append(depth + 1).append('}');
    }
    return patterns;
  }

  Response download(Request request) {
    signer.require(request);
    UUID runId;
    try {
      runId = OutputUploads.runId(request.pathParam("run_id"));
    } catch (ApiException e) {
      throw ApiException.notFound();
    }
    List<String> folders = new ArrayList<>();
    for (int level = 1; request.pathParams().containsKey("s" + level); level++) {
      folders.add(request.pathParam("s" + level));
    }
    String subfolder = String.join("/", folders);
    String filename = request.pathParam("filename");
    if (OutputUploads.nameProblem(subfolder, filename) != null) {
      throw ApiException.notFound();
    }
    String relative = OutputUploads.relativePath(subfolder, filename);
    RunOutput output = outputs.list(runId).stream().filter(o -> o.filename().equals(relative)).reduce((a, b) -> b)
        .orElseThrow(ApiException::notFound);
    Path path = files.open(output.storageKey()).orElseThrow(ApiException::notFound);
    return Response.file(path, output.mediaType())
        .withHeader("X-Content-Type-Options", "nosniff")
        .withHeader("Content-Security-Policy", "sandbox")
        .withHeader("Cache-Control", "private, max-age=300");
  }
}
