package dev.gpuagent.server.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.Stores;
import dev.gpuagent.workflow.WorkflowLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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

  @Test
  void documentPathsAreTheRoutersApiRoutes() throws Exception {
    TreeSet<String> routes = new TreeSet<>();
    try (Stores stores = Stores.openSqlite(dir, Clock.systemUTC())) {
      Router.Builder builder = Router.builder();
      ApiRoutes.addTo(builder, stores, new JdbcIdentityStore(stores.database(), Clock.systemUTC()),
          NodeRegistry.standard(), new Workflows(NodeRegistry.standard(), WorkflowLimits.DEFAULT), run -> {});
      for (Router.Route route : builder.build().routes()) {
        routes.add(route.method() + " " + route.pattern());
      }
    }
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
