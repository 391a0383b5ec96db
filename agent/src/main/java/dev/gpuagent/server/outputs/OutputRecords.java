package dev.gpuagent.server.outputs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.protocol.OutputImage;
import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.server.api.RunOutputs;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.store.OutputStore;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunOutput;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run record's {@code outputs}. Stored (the {@code runs.outputs} column) as ComfyDeploy's list
 * without links: {@code [{"data": {"images": [{"filename", "subfolder", "type"}], "text": [...]},
 * "node_meta": {"node_id", "class_type"}}]}; {@link #render} adds a freshly signed {@code url} to every
 * image on each read, so a link handed out is valid for the configured lifetime from that read.
 */
public final class OutputRecords implements RunOutputs {
  private static final Logger LOG = LoggerFactory.getLogger(OutputRecords.class);

  private final OutputLinks links;

  public OutputRecords(OutputLinks links) {
    this.links = Objects.requireNonNull(links, "links");
  }

  /**
   * The stored form of a {@code run_finished}'s outputs, keeping only images whose file the server
   * has ({@code storedPaths}: {@code subfolder/filename} or {@code filename}, as {@link
   * OutputUploads#relativePath} makes them); a listed file it lacks is left out and logged. A node left
   * with neither images nor text is dropped.
   */
  public static String toRecord(UUID runId, List<OutputSummary> outputs, Set<String> storedPaths) {
    ArrayNode list = Json.MAPPER.createArrayNode();
    for (OutputSummary node : outputs) {
      ArrayNode images = Json.MAPPER.createArrayNode();
      for (OutputImage image : node.images()) {
        if (!storedPaths.contains(OutputUploads.relativePath(image.subfolder(), image.filename()))) {
          LOG.warn("run {}: run_finished lists output {} of node {} that was never uploaded; left out", runId,
              OutputUploads.relativePath(image.subfolder(), image.filename()), node.nodeId());
          continue;
        }
        images.addObject().put("filename", image.filename()).put("subfolder", image.subfolder())
            .put("type", image.type());
      }
      if (images.isEmpty() && node.text().isEmpty()) {
        continue;
      }
      ObjectNode entry = list.addObject();
      ObjectNode data = entry.putObject("data");
      data.set("images", images);
      ArrayNode text = data.putArray("text");
      node.text().forEach(text::add);
      entry.putObject("node_meta").put("node_id", node.nodeId()).put("class_type", node.classType());
    }
    return list.toString();
  }

  /**
   * The names ({@code subfolder/filename}) of the files stored under the lease whose fencing token is
   * {@code fencingToken}: what a {@code run_finished} of that lease may list ({@link #toRecord}).
   */
  public static Set<String> storedUnder(OutputStore outputs, UUID runId, long fencingToken) {
    Set<String> names = new HashSet<>();
    for (RunOutput output : outputs.list(runId)) {
      if (OutputFiles.isLeaseFile(output.storageKey(), runId, fencingToken, output.filename())) {
        names.add(output.filename());
      }
    }
    return names;
  }

  @Override
  public Object render(Run run) {
    if (run.outputs() == null || run.outputs().isBlank()) {
      return List.of();
    }
    JsonNode stored;
    try {
      stored = Json.MAPPER.readTree(run.outputs());
    } catch (IOException e) {
      LOG.error("run {}: stored outputs are not JSON; answering none", run.id());
      return List.of();
    }
    if (!stored.isArray()) {
      return List.of();
    }
    ArrayNode rendered = stored.deepCopy();
    for (JsonNode entry : rendered) {
      JsonNode images = entry.path("data").path("images");
      if (!images.isArray()) {
        continue;
      }
      ArrayNode signed = Json.MAPPER.createArrayNode();
      for (JsonNode image : images) {
        String filename = image.path("filename").asText("");
        String subfolder = image.path("subfolder").asText("");
        ObjectNode out = signed.addObject();
        if (OutputUploads.nameProblem(subfolder, filename) == null) {
          out.put("url", links.url(run.id(), subfolder, filename));
        } else {
          out.putNull("url");
        }
        image.fields().forEachRemaining(field -> {
          if (!field.getKey().equals("url")) {
            out.set(field.getKey(), field.getValue());
          }
        });
      }
      ((ObjectNode) entry.get("data")).set("images", signed);
    }
    return rendered;
  }
}
