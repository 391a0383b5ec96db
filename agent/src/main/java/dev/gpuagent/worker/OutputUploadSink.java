package dev.gpuagent.worker;

import dev.gpuagent.engine.OutputFile;
import dev.gpuagent.engine.OutputSink;
import dev.gpuagent.protocol.OutputNames;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The worker's output sink: names each file as ComfyUI does ({@code {prefix}_{counter:05}_.png},
 * counters per run starting at 1, a prefix's folders becoming the subfolder) and starts its upload at
 * once, so files travel while later nodes run. The run waits for the uploads before it finishes.
 */
final class OutputUploadSink implements OutputSink {
  /** One file and its upload. */
  record Upload(String filename, String subfolder, String type, CompletableFuture<Uploads.Outcome> outcome) {}

  private final Uploads uploads;
  private final URI base;
  private final LeaseRun run;
  private final Map<String, Integer> counters = new HashMap<>();
  private final Map<String, Upload> started = new LinkedHashMap<>();

  OutputUploadSink(Uploads uploads, URI base, LeaseRun run) {
    this.uploads = uploads;
    this.base = base;
    this.run = run;
  }

  @Override
  public synchronized OutputFile store(String prefix, String extension, String type, byte[] data) throws IOException {
    if (prefix == null || prefix.isBlank()) {
      throw new IOException("the filename prefix is empty");
    }
    int slash = prefix.lastIndexOf('/');
    String subfolder = slash < 0 ? "" : prefix.substring(0, slash);
    String name = prefix.substring(slash + 1);
    String subfolderProblem = OutputNames.subfolderProblem(subfolder);
    if (subfolderProblem != null) {
      throw new IOException("filename prefix '" + prefix + "': " + subfolderProblem);
    }
    int counter = counters.merge(subfolder + "/" + name, 1, Integer::sum);
    String filename = String.format("%s_%05d_.%s", name, counter, extension);
    String problem = OutputNames.filenameProblem(filename);
    if (problem != null) {
      throw new IOException("filename prefix '" + prefix + "': " + problem);
    }
    URI target = Uploads.target(base, run.lease.uploadUrl(), filename, subfolder);
    CompletableFuture<Uploads.Outcome> outcome = uploads.put(target, run.lease.fencingToken(),
        Uploads.contentType(filename), data, () -> run.token.isCancelled());
    started.put(subfolder + "/" + filename, new Upload(filename, subfolder, type, outcome));
    return new OutputFile(filename, subfolder, type, null);
  }

  /** Every upload started so far, in order. */
  synchronized List<Upload> uploads() {
    return new ArrayList<>(started.values());
  }

  /** The upload of one file, or null. */
  synchronized Upload upload(String subfolder, String filename) {
    return started.get(subfolder + "/" + filename);
  }

  synchronized int pending() {
    return (int) started.values().stream().filter(u -> !u.outcome().isDone()).count();
  }
}
