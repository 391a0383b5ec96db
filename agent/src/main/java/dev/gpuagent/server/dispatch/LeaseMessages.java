package dev.gpuagent.server.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.protocol.OutputImage;
import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.protocol.RunError;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.server.store.Run;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Builds {@code lease} messages from run records, and the record's JSON from {@code run_finished}. */
final class LeaseMessages {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private LeaseMessages() {}

  /** The upload URL of a lease, relative to the server URL (docs/protocol.md section 10). */
  static String uploadUrl(Run run) {
    return "/worker/v1/runs/" + run.id() + "/outputs/{filename}?lease=" + run.gpuEventId();
  }

  static ServerMessage.Lease lease(Run run, String slotId, Instant now, boolean resumed) {
    ObjectNode graph;
    try {
      JsonNode tree = MAPPER.readTree(run.workflowApi());
      graph = tree instanceof ObjectNode o ? o : MAPPER.createObjectNode();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("run " + run.id() + " holds an unreadable workflow", e);
    }
    Instant deadline = run.deadlineAt() != null ? run.deadlineAt()
        : now.plusSeconds(run.runTimeoutS());
    long timeoutMs = Math.max(0, Duration.between(now, deadline).toMillis());
    int attempt = run.attempt();
    return new ServerMessage.Lease(run.gpuEventId(), run.id().toString(), attempt,
        Math.max(run.maxAttempts(), attempt), run.fencingToken(), slotId, run.gpuRequested(),
        run.deploymentId() == null ? null : run.deploymentId().toString(), graph, timeoutMs, deadline.toString(),
        uploadUrl(run), resumed);
  }

  /** The record's {@code outputs}: one entry per output node, in the API's shape ({@code data}, {@code node_meta}; no signed URLs here). */
  static String outputs(List<OutputSummary> outputs) {
    ArrayNode list = MAPPER.createArrayNode();
    for (OutputSummary summary : outputs) {
      ObjectNode entry = list.addObject();
      ObjectNode data = entry.putObject("data");
      ArrayNode images = data.putArray("images");
      for (OutputImage image : summary.images()) {
        images.addObject().put("filename", image.filename()).put("subfolder", image.subfolder())
            .put("type", image.type());
      }
      ArrayNode text = data.putArray("text");
      summary.text().forEach(text::add);
      entry.putObject("node_meta").put("node_id", summary.nodeId()).put("class_type", summary.classType());
    }
    return list.toString();
  }

  /** The live status of a run its worker released (section 6, "Re-queue"). */
  static String releasedStatus(String reason) {
    return switch (reason == null ? "" : reason) {
      case "shutdown" -> "re-queued: worker shutting down";
      case "draining" -> "re-queued: worker draining";
      case "" -> "re-queued: released by its worker";
      default -> "re-queued: released by its worker (" + reason + ")";
    };
  }

  static String error(RunError error) {
    if (error == null) {
      return null;
    }
    ObjectNode node = MAPPER.createObjectNode();
    node.put("node_id", error.nodeId());
    node.put("class_type", error.classType());
    node.put("message", error.message());
    node.put("type", error.type());
    return node.toString();
  }
}
