package dev.gpuagent.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.identity.Organisation;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import dev.gpuagent.server.store.StatusUpdate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public run API end to end: a real server on 127.0.0.1, port 0, over a temp data folder. */
class ApiServerTest {
  static final String QUICK = "5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01";
  static final String LONG = "9d2e4c71-3b8a-4f06-8e5d-7a1c0b9f2e02";
  static final int BODY_LIMIT = 16 * 1024;
  static final List<String> SEED_001_FIELDS = List.of("id", "workflow_version_id", "workflow_inputs", "workflow_id",
      "workflow_api", "machine_id", "origin", "status", "ended_at", "created_at", "updated_at", "queued_at",
      "started_at", "gpu_event_id", "gpu", "machine_version", "machine_type", "modal_function_call_id", "user_id",
      "org_id", "live_status", "progress", "is_realtime", "webhook", "webhook_status", "webhook_intermediate_status",
      "outputs", "number", "duration", "cold_start_duration", "cold_start_duration_total", "run_duration");

  @TempDir Path dir;

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Run> cancelled = new CopyOnWriteArrayList<>();
  private ControlPlane server;
  private String base;
  private String key;
  private String otherKey;
  private UUID otherOrg;
  private String workerToken;

  @BeforeEach
  void start() {
    ServerSettings settings = new ServerSettings("127.0.0.1", 0, dir.resolve("data"),
        Path.of("..", "config", "deployments"), "default", BODY_LIMIT);
    server = ControlPlane.start(settings, Metrics.prometheus(), NodeRegistry.standard(), cancelled::add,
        Clock.systemUTC());
    base = "http://127.0.0.1:" + server.port();
    key = server.identity().createApiKey(server.organisation().id(), "test").plaintext();
    Organisation other = server.identity().createOrganisation("other");
    otherOrg = other.id();
    otherKey = server.identity().createApiKey(other.id(), "other").plaintext();
    workerToken = server.identity().createWorkerToken("worker").plaintext();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  // ---- queue ----

  @Test
  void queueAnswersRunIdOfADurablyStoredQueuedRun() throws Exception {
    HttpResponse<String> response = post("/api/run/deployment/queue", "{\"deployment_id\":\"" + QUICK + "\"}", key);
    assertEquals(200, response.statusCode());
    JsonNode body = Json.MAPPER.readTree(response.body());
    assertEquals(1, body.size());
    UUID runId = UUID.fromString(body.get("run_id").asText());
    assertEquals("{\"run_id\":\"" + runId + "\"}", response.body());
    Run stored = server.stores().runs().find(runId).orElseThrow();
    assertEquals(RunStatus.QUEUED, stored.status());
    assertEquals(server.organisation().id(), stored.orgId());
    assertEquals(UUID.fromString(QUICK), stored.deploymentId());
    assertNull(stored.gpuRequested());
  }

  @Test
  void queueAppliesInputsToTheStoredGraph() throws Exception {
    String runId = queue("{\"deployment_id\":\"" + QUICK + "\",\"inputs\":{\"width\":64,\"blend\":0.25}}");
    Run stored = server.stores().runs().find(UUID.fromString(runId)).orElseThrow();
    JsonNode graph = Json.MAPPER.readTree(stored.workflowApi());
    assertEquals(64, graph.at("/1/inputs/default_value").asInt());
    assertEquals(256, graph.at("/2/inputs/default_value").asInt());
    assertEquals(0.25, graph.at("/4/inputs/default_value").asDouble());
    assertEquals(Json.MAPPER.readTree("{\"width\":64,\"blend\":0.25}"), Json.MAPPER.readTree(stored.workflowInputs()));
  }

  @Test
  void queuedRunAndFileDeploymentIdsSurviveARestart() throws Exception {
    String runId = queue("{\"deployment_id\":\"" + QUICK + "\"}");
    server.close();
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"),
        Path.of("..", "config", "deployments"), "default", BODY_LIMIT), Metrics.prometheus(), NodeRegistry.standard(),
        cancelled::add, Clock.systemUTC());
    base = "http://127.0.0.1:" + server.port();
    assertEquals("queued", getJson("/api/run/" + runId).get("status").asText());
    assertEquals(2, getJson("/api/deployments").size());
  }

  @Test
  void gpuOfTheRequestBeatsTheDeploymentsWhichBeatsAny() throws Exception {
    HttpResponse<String> created = post("/api/deployments",
        "{\"name\":\"on-l4\",\"gpu\":\"L4\",\"workflow_api\":" + smallGraph() + "}", key);
    assertEquals(200, created.statusCode(), created.body());
    String onL4 = Json.MAPPER.readTree(created.body()).get("id").asText();
    assertEquals("H100", requested(queue("{\"deployment_id\":\"" + onL4 + "\",\"gpu\":\"H100\"}")));
    assertEquals("L4", requested(queue("{\"deployment_id\":\"" + onL4 + "\"}")));
    assertNull(requested(queue("{\"deployment_id\":\"" + QUICK + "\"}")));
    assertEquals("CPU", requested(queue("{\"deployment_id\":\"" + QUICK + "\",\"gpu\":\"CPU\"}")));
  }

  @Test
  void queueRecordsTheWebhook() throws Exception {
    String runId = queue("{\"deployment_id\":\"" + QUICK + "\",\"webhook\":\"https://example.com/hook\","
        + "\"webhook_intermediate_status\":true}");
    JsonNode run = getJson("/api/run/" + runId);
    assertEquals("https://example.com/hook", run.get("webhook").asText());
    assertTrue(run.get("webhook_intermediate_status").asBoolean());
  }

  @Test
  void unknownOrForeignDeploymentIs404() throws Exception {
    assertAnswer(404, "{\"detail\":\"Deployment not found\"}",
        post("/api/run/deployment/queue", "{\"deployment_id\":\"" + UUID.randomUUID() + "\"}", key));
    assertAnswer(404, "{\"detail\":\"Deployment not found\"}",
        post("/api/run/deployment/queue", "{\"deployment_id\":\"" + QUICK + "\"}", otherKey));
  }

  @Test
  void missingDeploymentIdIs422() throws Exception {
    assertAnswer(422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"deployment_id\"],\"msg\":\"Field required\"}]}",
        post("/api/run/deployment/queue", "{\"inputs\":{}}", key));
  }

  @Test
  void malformedUuidInTheBodyIs422() throws Exception {
    String reason = "invalid length: expected length 32 for simple format, found 3";
    assertAnswer(422, "{\"detail\":[{\"type\":\"uuid_parsing\",\"loc\":[\"body\",\"deployment_id\"],"
            + "\"msg\":\"Input should be a valid UUID, " + reason + "\",\"ctx\":{\"error\":\"" + reason + "\"}}]}",
        post("/api/run/deployment/queue", "{\"deployment_id\":\"abc\"}", key));
  }

  @Test
  void malformedUuidInThePathIs422() throws Exception {
    String reason = "invalid length: expected length 32 for simple format, found 3";
    String expected = "{\"detail\":[{\"type\":\"uuid_parsing\",\"loc\":[\"path\",\"run_id\"],"
        + "\"msg\":\"Input should be a valid UUID, " + reason + "\",\"ctx\":{\"error\":\"" + reason + "\"}}]}";
    assertAnswer(422, expected, get("/api/run/abc", key));
    assertAnswer(422, expected, post("/api/run/abc/cancel", "", key));
    assertEquals(422, get("/api/deployments/abc", key).statusCode());
  }

  @Test
  void gpuOutsideTheListIs422() throws Exception {
    String expected = "'T4', 'L4', 'A10G', 'L40S', 'A100', 'A100-80GB', 'H100', 'H200', 'B200' or 'CPU'";
    assertAnswer(422, "{\"detail\":[{\"type\":\"enum\",\"loc\":[\"body\",\"gpu\"],\"msg\":\"Input should be "
            + expected + "\",\"ctx\":{\"expected\":\"" + expected + "\"}}]}",
        post("/api/run/deployment/queue", "{\"deployment_id\":\"" + QUICK + "\",\"gpu\":\"V100\"}", key));
  }

  @Test
  void badFieldsAreListedTogether() throws Exception {
    HttpResponse<String> response = post("/api/run/deployment/queue",
        "{\"deployment_id\":7,\"inputs\":[],\"webhook\":\"ftp://x\",\"webhook_intermediate_status\":\"maybe\"}", key);
    assertEquals(422, response.statusCode());
    List<String> types = new ArrayList<>();
    Json.MAPPER.readTree(response.body()).get("detail").forEach(e -> types.add(e.get("type").asText()));
    assertEquals(List.of("uuid_type", "dict_type", "url_scheme", "bool_parsing"), types);
  }

  @Test
  void inputOfTheWrongTypeIs422AtItsKey() throws Exception {
    HttpResponse<String> response = post("/api/run/deployment/queue",
        "{\"deployment_id\":\"" + QUICK + "\",\"inputs\":{\"width\":\"wide\"}}", key);
    assertEquals(422, response.statusCode());
    JsonNode detail = Json.MAPPER.readTree(response.body()).get("detail");
    assertEquals(1, detail.size());
    assertEquals("invalid_input_type", detail.get(0).get("type").asText());
    assertEquals("[\"body\",\"inputs\",\"width\"]", detail.get(0).get("loc").toString());
    assertEquals("Run input has the wrong type: width: expected an integer, got string \"wide\"",
        detail.get(0).get("msg").asText());
    assertEquals("integer", detail.get(0).at("/ctx/expected_type").asText());
  }

  @Test
  void unknownAndBadInputsAreListedEachAtItsKey() throws Exception {
    HttpResponse<String> response = post("/api/run/deployment/queue",
        "{\"deployment_id\":\"" + QUICK + "\",\"inputs\":{\"nope\":1,\"height\":1.5,\"blend\":true}}", key);
    assertEquals(422, response.statusCode());
    List<String> entries = new ArrayList<>();
    Json.MAPPER.readTree(response.body()).get("detail")
        .forEach(e -> entries.add(e.get("type").asText() + " " + e.get("loc")));
    assertEquals(List.of("unknown_input [\"body\",\"inputs\",\"nope\"]",
        "invalid_input_type [\"body\",\"inputs\",\"height\"]",
        "invalid_input_type [\"body\",\"inputs\",\"blend\"]"), entries);
    assertTrue(server.stores().runs().queueDepth().isEmpty() || server.stores().runs().queueDepth()
        .values().stream().allMatch(n -> n == 0), "nothing was queued");
  }

  @Test
  void inputOutsideItsNodesRangeIs422AtItsKey() throws Exception {
    HttpResponse<String> response = post("/api/run/deployment/queue",
        "{\"deployment_id\":\"" + QUICK + "\",\"inputs\":{\"width\":3000000000}}", key);
    assertEquals(422, response.statusCode());
    JsonNode detail = Json.MAPPER.readTree(response.body()).get("detail");
    assertEquals(1, detail.size(), detail.toString());
    assertEquals("value_bigger_than_max", detail.get(0).get("type").asText());
    assertEquals("[\"body\",\"inputs\",\"width\"]", detail.get(0).get("loc").toString());
  }

  @Test
  void requiredInputMissingIs422AtItsKey() throws Exception {
    HttpResponse<String> created = post("/api/deployments", "{\"name\":\"needs-radius\",\"workflow_api\":"
        + inputGraph().replace(",\"default_value\":3", "") + "}", key);
    assertEquals(200, created.statusCode(), created.body());
    JsonNode deployment = Json.MAPPER.readTree(created.body());
    assertTrue(deployment.at("/input_schema/0/required").asBoolean());
    HttpResponse<String> response = post("/api/run/deployment/queue",
        "{\"deployment_id\":\"" + deployment.get("id").asText() + "\"}", key);
    assertEquals(422, response.statusCode());
    JsonNode detail = Json.MAPPER.readTree(response.body()).get("detail");
    assertEquals("required_input_missing", detail.get(0).get("type").asText());
    assertEquals("[\"body\",\"inputs\",\"radius\"]", detail.get(0).get("loc").toString());
    assertEquals(200, post("/api/run/deployment/queue", "{\"deployment_id\":\"" + deployment.get("id").asText()
        + "\",\"inputs\":{\"radius\":2}}", key).statusCode());
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    String huge = "{\"deployment_id\":\"" + QUICK + "\",\"inputs\":{\"pad\":\"" + "x".repeat(BODY_LIMIT) + "\"}}";
    assertAnswer(413, "{\"detail\":\"request body exceeds the limit of " + BODY_LIMIT + " bytes\"}",
        post("/api/run/deployment/queue", huge, key));
  }

  // ---- authentication ----

  @Test
  void missingKeyIs401() throws Exception {
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/api/deployments")).build(),
        BodyHandlers.ofString());
    assertAnswer(401, "{\"detail\":\"Not authenticated\"}", response);
    assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElseThrow());
  }

  @Test
  void badKeyIs401() throws Exception {
    assertAnswer(401, "{\"detail\":\"Invalid authentication credentials\"}",
        post("/api/run/deployment/queue", "{\"deployment_id\":\"" + QUICK + "\"}", "gak_not_a_real_key_at_all"));
  }

  @Test
  void workerTokenCannotCallTheApi() throws Exception {
    assertAnswer(401, "{\"detail\":\"Invalid authentication credentials\"}",
        post("/api/run/deployment/queue", "{\"deployment_id\":\"" + QUICK + "\"}", workerToken));
    assertAnswer(401, "{\"detail\":\"Invalid authentication credentials\"}", get("/api/nodes", workerToken));
  }

  // ---- get ----

  @Test
  void getAnswersEverySeedFieldInOrder() throws Exception {
    String runId = queue("{\"deployment_id\":\"" + QUICK + "\",\"inputs\":{\"height\":32}}");
    JsonNode run = getJson("/api/run/" + runId);
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = run.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    assertEquals(SEED_001_FIELDS, names);
    assertEquals(runId, run.get("id").asText());
    assertEquals(QUICK, run.get("workflow_id").asText());
    assertEquals(QUICK, run.get("workflow_version_id").asText());
    assertEquals("{\"height\":32}", run.get("workflow_inputs").toString());
    assertEquals(32, run.at("/workflow_api/2/inputs/default_value").asInt());
    assertEquals("queued", run.get("status").asText());
    assertEquals("api", run.get("origin").asText());
    assertEquals(server.organisation().id().toString(), run.get("org_id").asText());
    for (String at : List.of("created_at", "updated_at", "queued_at")) {
      assertTrue(run.get(at).asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), at);
    }
    for (String absent : List.of("ended_at", "started_at", "machine_id", "gpu_event_id", "gpu", "machine_version",
        "machine_type", "modal_function_call_id", "user_id", "live_status", "webhook", "webhook_status", "duration",
        "cold_start_duration", "cold_start_duration_total", "run_duration")) {
      assertTrue(run.get(absent).isNull(), absent);
    }
    assertEquals(0.0, run.get("progress").asDouble());
    assertFalse(run.get("is_realtime").asBoolean());
    assertFalse(run.get("webhook_intermediate_status").asBoolean());
    assertEquals("[]", run.get("outputs").toString());
    assertEquals(1, run.get("number").asLong());
  }

  @Test
  void failedRunShowsItsErrorAndDurations() throws Exception {
    UUID runId = UUID.fromString(queue("{\"deployment_id\":\"" + QUICK + "\"}"));
    server.stores().runs().setStatus(StatusUpdate.server(runId, RunStatus.FAILED, "no worker",
        "{\"type\":\"no_worker\",\"message\":\"boom\"}"));
    JsonNode run = getJson("/api/run/" + runId);
    assertEquals("failed", run.get("status").asText());
    assertEquals("boom", run.at("/error/message").asText());
    assertTrue(run.get("ended_at").isTextual());
    assertTrue(run.get("duration").isNumber() && run.get("duration").asDouble() >= 0);
    assertTrue(run.get("run_duration").isNull(), "it never started");
  }

  @Test
  void unknownOrForeignRunIs404() throws Exception {
    assertAnswer(404, "{\"detail\":\"Run not found\"}", get("/api/run/" + UUID.randomUUID(), key));
    Run foreign = server.stores().runs().insert(NewRun.of(otherOrg, null, smallGraph()));
    assertAnswer(404, "{\"detail\":\"Run not found\"}", get("/api/run/" + foreign.id(), key));
    assertAnswer(404, "{\"detail\":\"Run not found\"}", post("/api/run/" + foreign.id() + "/cancel", "", key));
    assertEquals(200, get("/api/run/" + foreign.id(), otherKey).statusCode());
  }

  // ---- cancel ----

  @Test
  void cancelOfAQueuedRunCancelsItAndTellsTheNotifier() throws Exception {
    String runId = queue("{\"deployment_id\":\"" + LONG + "\"}");
    assertAnswer(200, "{\"success\":true,\"message\":\"Run cancelled\"}", post("/api/run/" + runId + "/cancel", "", key));
    assertEquals("cancelled", getJson("/api/run/" + runId).get("status").asText());
    assertEquals(1, cancelled.size());
    assertEquals(runId, cancelled.getFirst().id().toString());
    assertAnswer(409, "{\"detail\":\"Run is already cancelled\"}", post("/api/run/" + runId + "/cancel", "", key));
    assertEquals(1, cancelled.size());
  }

  @Test
  void cancelOfATerminalRunIs409WithItsStatus() throws Exception {
    UUID runId = UUID.fromString(queue("{\"deployment_id\":\"" + QUICK + "\"}"));
    server.stores().runs().setStatus(StatusUpdate.server(runId, RunStatus.TIMEOUT, null, null));
    assertAnswer(409, "{\"detail\":\"Run is already timeout\"}", post("/api/run/" + runId + "/cancel", "", key));
    assertEquals("timeout", getJson("/api/run/" + runId).get("status").asText());
    assertTrue(cancelled.isEmpty());
  }

  // ---- deployments and nodes ----

  @Test
  void deploymentFilesAreLoadedWithTheirIds() throws Exception {
    JsonNode list = getJson("/api/deployments");
    List<String> ids = new ArrayList<>();
    list.forEach(d -> ids.add(d.get("id").asText()));
    assertTrue(ids.containsAll(List.of(QUICK, LONG)), ids.toString());
    JsonNode quick = getJson("/api/deployments/" + QUICK);
    assertEquals("showcase-quick", quick.get("name").asText());
    assertEquals(60, quick.get("run_timeout_s").asInt());
    List<String> keys = new ArrayList<>();
    quick.get("input_schema").forEach(f -> keys.add(f.get("key").asText()));
    assertEquals(List.of("width", "height", "color", "blend"), keys);
    assertEquals("[]", getJson2("/api/deployments", otherKey).toString());
    assertAnswer(404, "{\"detail\":\"Deployment not found\"}", get("/api/deployments/" + QUICK, otherKey));
  }

  @Test
  void createdDeploymentIsListedAndFetched() throws Exception {
    HttpResponse<String> created = post("/api/deployments", "{\"name\":\"blur\",\"workflow_api\":" + inputGraph() + "}", key);
    assertEquals(200, created.statusCode(), created.body());
    JsonNode deployment = Json.MAPPER.readTree(created.body());
    String id = deployment.get("id").asText();
    assertEquals("blur", deployment.get("name").asText());
    assertEquals(300, deployment.get("run_timeout_s").asInt());
    assertTrue(deployment.get("gpu").isNull());
    assertEquals("[{\"key\":\"radius\",\"type\":\"integer\",\"required\":false,\"default\":3,\"description\":\"\","
        + "\"display_name\":\"\",\"node_id\":\"1\",\"class_type\":\"ComfyUIDeployExternalNumberInt\"}]",
        deployment.get("input_schema").toString());
    assertEquals(deployment, getJson("/api/deployments/" + id));
    List<String> ids = new ArrayList<>();
    getJson("/api/deployments").forEach(d -> ids.add(d.get("id").asText()));
    assertTrue(ids.contains(id));
    assertEquals(200, post("/api/run/deployment/queue", "{\"deployment_id\":\"" + id + "\",\"inputs\":{\"radius\":5}}",
        key).statusCode());
  }

  @Test
  void invalidWorkflowIs422WithComfyUisErrorBodyAsDetail() throws Exception {
    HttpResponse<String> response = post("/api/deployments",
        "{\"name\":\"broken\",\"workflow_api\":{\"1\":{\"class_type\":\"NoSuchNode\",\"inputs\":{}}}}", key);
    assertEquals(422, response.statusCode());
    JsonNode detail = Json.MAPPER.readTree(response.body()).get("detail");
    assertEquals("missing_node_type", detail.at("/error/type").asText());
    assertEquals("Cannot execute because node NoSuchNode does not exist.", detail.at("/error/message").asText());
    assertTrue(detail.get("node_errors").isObject());

    HttpResponse<String> outOfRange = post("/api/deployments", "{\"name\":\"x\",\"workflow_api\":"
        + smallGraph().replace("\"blur_radius\":4", "\"blur_radius\":99") + "}", key);
    assertEquals(422, outOfRange.statusCode());
    JsonNode nodeErrors = Json.MAPPER.readTree(outOfRange.body()).at("/detail/node_errors/2/errors");
    assertEquals("value_bigger_than_max", nodeErrors.get(0).get("type").asText());
  }

  @Test
  void badDeploymentFieldsAre422() throws Exception {
    HttpResponse<String> response = post("/api/deployments", "{\"gpu\":\"X\",\"run_timeout_s\":0}", key);
    assertEquals(422, response.statusCode());
    List<String> entries = new ArrayList<>();
    Json.MAPPER.readTree(response.body()).get("detail")
        .forEach(e -> entries.add(e.get("type").asText() + " " + e.get("loc")));
    assertEquals(List.of("missing [\"body\",\"name\"]", "missing [\"body\",\"workflow_api\"]",
        "enum [\"body\",\"gpu\"]", "greater_than_equal [\"body\",\"run_timeout_s\"]"), entries);
  }

  @Test
  void nodesListsTheRegistry() throws Exception {
    HttpResponse<String> response = get("/api/nodes", key);
    assertEquals(200, response.statusCode());
    JsonNode nodes = Json.MAPPER.readTree(response.body());
    assertEquals(NodeRegistry.standard().definitions().size(), nodes.size());
    assertTrue(nodes.has("ImageAnisotropicDiffusion"));
    assertEquals(401, client.send(HttpRequest.newBuilder(URI.create(base + "/api/nodes")).build(),
        BodyHandlers.ofString()).statusCode());
  }

  @Test
  void healthAndMetricsNeedNoKey() throws Exception {
    HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
        BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    assertEquals("{\"status\":\"ok\",\"store\":\"ok\"}", health.body(), "the store answered a trivial query");
    get("/api/nodes", key);
    HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
        BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("gpu_agent_http_requests_total{"), metrics.body());
  }

  @Test
  void openApiDocumentIsServedWithoutAKey() throws Exception {
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/api/openapi.json")).build(),
        BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    assertEquals("3.1.0", Json.MAPPER.readTree(response.body()).get("openapi").asText());
  }

  // ---- helpers ----

  static String smallGraph() {
    return "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":8,\"height\":8,\"batch_size\":1,\"color\":0}},"
        + "\"2\":{\"class_type\":\"ImageBlur\",\"inputs\":{\"image\":[\"1\",0],\"blur_radius\":4,\"sigma\":1.0}},"
        + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"t\"}}}";
  }

  static String inputGraph() {
    return "{\"1\":{\"class_type\":\"ComfyUIDeployExternalNumberInt\",\"inputs\":{\"input_id\":\"radius\",\"default_value\":3}},"
        + "\"2\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":8,\"height\":8,\"batch_size\":1,\"color\":0}},"
        + "\"3\":{\"class_type\":\"ImageBlur\",\"inputs\":{\"image\":[\"2\",0],\"blur_radius\":[\"1\",0],\"sigma\":1.0}},"
        + "\"4\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"3\",0],\"filename_prefix\":\"t\"}}}";
  }

  private String requested(String runId) {
    return server.stores().runs().find(UUID.fromString(runId)).orElseThrow().gpuRequested();
  }

  private String queue(String body) throws Exception {
    HttpResponse<String> response = post("/api/run/deployment/queue", body, key);
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body()).get("run_id").asText();
  }

  private JsonNode getJson(String path) throws Exception {
    return getJson2(path, key);
  }

  private JsonNode getJson2(String path, String bearer) throws Exception {
    HttpResponse<String> response = get(path, bearer);
    assertEquals(200, response.statusCode(), response.body());
    return Json.MAPPER.readTree(response.body());
  }

  private HttpResponse<String> get(String path, String bearer) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + bearer)
        .build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body, String bearer) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + bearer)
        .header("Content-Type", "application/json").POST(BodyPublishers.ofString(body)).build(), BodyHandlers.ofString());
  }

  private static void assertAnswer(int status, String body, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(body, response.body());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
  }
}
