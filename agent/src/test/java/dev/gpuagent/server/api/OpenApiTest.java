package dev.gpuagent.server.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.outputs.OutputRoutes;
import dev.gpuagent.server.store.Stores;
import dev.gpuagent.workflow.WorkflowLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenApiTest {
  @TempDir Path dir;

  @Test
  void docsCopyIsTheServedDocument() throws Exception {
    assertArrayEquals(Files.readAllBytes(Path.of("..", "docs", "openapi.json")), OpenApi.document(),
        "docs/openapi.json and agent/src/main/resources/dev/gpuagent/server/api/openapi.json differ");
  }

  /**
   * The public surface: the {@code /api} routes and the signed output downloads (documented once as
   * {@code /outputs/{run_id}/{filename}}: a route per subfolder depth serves the same operation). The
   * worker endpoints ({@code /worker/v1/...}) are docs/protocol.md's, not this document's.
   */
  @Test
  void documentPathsAreTheRoutersPublicRoutes() throws Exception {
    TreeSet<String> routes = new TreeSet<>();
    int downloadDepths = 0;
    try (Stores stores = Stores.openSqlite(dir, Clock.systemUTC())) {
      Router.Builder builder = Router.builder();
      JdbcIdentityStore identity = new JdbcIdentityStore(stores.database(), Clock.systemUTC());
      ApiRoutes.addTo(builder, stores, identity,
          NodeRegistry.standard(), new Workflows(NodeRegistry.standard(), WorkflowLimits.DEFAULT), run -> {});
      new OutputRoutes(stores, dir, () -> "http://127.0.0.1", Duration.ofHours(1), 1024, (credential, worker) -> false,
          Clock.systemUTC(), null).addTo(builder, identity);
      for (Router.Route route : builder.build().routes()) {
        String pattern = route.pattern().pattern();
        if (pattern.startsWith("/worker/")) {
          continue;
        }
        if (pattern.startsWith("/outputs/{run_id}/")) {
          downloadDepths++;
          assertTrue(pattern.matches("/outputs/\\{run_id}(/\\{s\\d}){0,8}/\\{filename}"), pattern);
          pattern = "/outputs/{run_id}/{filename}";
        }
        routes.add(route.method() + " " + pattern);
      }
    }
    assertEquals(9, downloadDepths, "a file directly under the run and under 1 to 8 subfolder levels");
    TreeSet<String> documented = new TreeSet<>();
    JsonNode doc = Json.MAPPER.readTree(OpenApi.document());
    assertEquals("3.1.0", doc.get("openapi").asText());
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey()));
    }
    assertEquals(routes, documented);
  }

  @Test
  void everyReferenceResolves() throws Exception {
    JsonNode doc = Json.MAPPER.readTree(OpenApi.document());
    checkRefs(doc, doc);
  }

  private static void checkRefs(JsonNode doc, JsonNode node) {
    if (node.isObject() && node.has("$ref")) {
      String ref = node.get("$ref").asText();
      assertEquals(false, doc.at(ref.substring(1)).isMissingNode(), "unresolved " + ref);
    }
    node.forEach(child -> checkRefs(doc, child));
  }
}
