package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The three calls of the public run API that {@code gpu-agent submit} makes (docs/api.md). */
final class RunApiClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The server answered with an error status; {@link #lines} renders FastAPI's {@code detail} (a
   * string, or a list of {@code {loc, msg}}, or ComfyUI's error object) one problem a line.
   */
  static final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final transient JsonNode detail;

    ApiError(int status, JsonNode detail) {
      super(status + " " + (detail == null ? "" : detail.isTextual() ? detail.asText() : detail.toString()));
      this.status = status;
      this.detail = detail;
    }

    List<String> lines() {
      List<String> lines = new ArrayList<>();
      if (detail == null || detail.isMissingNode() || detail.isNull()) {
        lines.add("HTTP " + status);
      } else if (detail.isTextual()) {
        lines.add(detail.asText());
      } else if (detail.isArray()) {
        for (JsonNode error : detail) {
          List<String> loc = new ArrayList<>();
          error.path("loc").forEach(part -> loc.add(part.asText()));
          lines.add(String.join(".", loc) + ": " + error.path("msg").asText(error.toString()));
        }
      } else if (detail.has("error")) {
        lines.add(detail.path("error").path("message").asText(detail.toString()));
      } else {
        lines.add(detail.toString());
      }
      return lines;
    }
  }

  private final String server;
  private final String apiKey;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  RunApiClient(String server, String apiKey) {
    this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    this.apiKey = apiKey;
  }

  String server() {
    return server;
  }

  /** {@code POST /api/run/deployment/queue}: the new run's id. */
  String queue(String deploymentId, JsonNode inputs, String gpu) throws IOException, InterruptedException, ApiError {
    ObjectNode body = JSON.createObjectNode();
    body.put("deployment_id", deploymentId);
    if (inputs != null) {
      body.set("inputs", inputs);
    }
    if (gpu != null) {
      body.put("gpu", gpu);
    }
    return send("POST", "/api/run/deployment/queue", body.toString()).path("run_id").asText();
  }

  /** {@code GET /api/run/{id}}: the run record. */
  JsonNode run(String runId) throws IOException, InterruptedException, ApiError {
    return send("GET", "/api/run/" + runId, null);
  }

  /** {@code POST /api/run/{id}/cancel}; a run that already ended answers 409 (an ApiError). */
  void cancel(String runId) throws IOException, InterruptedException, ApiError {
    send("POST", "/api/run/" + runId + "/cancel", "");
  }

  private JsonNode send(String method, String path, String body) throws IOException, InterruptedException, ApiError {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + apiKey).header("Accept", "application/json");
    if (body == null) {
      request.GET();
    } else {
      request.header("Content-Type", "application/json").method(method, BodyPublishers.ofString(body));
    }
    HttpResponse<String> response = client.send(request.build(), BodyHandlers.ofString());
    JsonNode json;
    try {
      json = response.body().isEmpty() ? null : JSON.readTree(response.body());
    } catch (IOException e) {
      json = null;
    }
    if (response.statusCode() != 200) {
      throw new ApiError(response.statusCode(), json == null ? null : json.get("detail"));
    }
    if (json == null) {
      throw new IOException("the server answered " + method + " " + path + " with a body that is not JSON");
    }
    return json;
  }

  @Override
  public void close() {
    client.close();
  }
}
