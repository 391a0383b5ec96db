package dev.gpuagent.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.store.Deployment;
import dev.gpuagent.server.store.Stores;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.workflow.WorkflowLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentFilesTest {
  @TempDir Path dir;
  private Stores stores;
  private UUID org;
  private DeploymentFiles files;

  @BeforeEach
  void open() {
    stores = Stores.openSqlite(dir.resolve("data"), Clock.systemUTC());
    org = new JdbcIdentityStore(stores.database(), Clock.systemUTC()).ensureOrganisation("default").id();
    files = new DeploymentFiles(stores.deployments(), new Workflows(NodeRegistry.standard(), WorkflowLimits.DEFAULT));
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Test
  void loadingTwiceKeepsIdsAndReplaces() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("deployments"));
    String id = UUID.randomUUID().toString();
    Files.writeString(folder.resolve("a.json"),
        "{\"id\":\"" + id + "\",\"name\":\"a\",\"workflow_api\":" + ApiServerTest.smallGraph() + "}");
    Files.writeString(folder.resolve("notes.txt"), "ignored");
    List<Deployment> first = files.load(folder, org);
    assertEquals(1, first.size());
    Files.writeString(folder.resolve("a.json"),
        "{\"id\":\"" + id + "\",\"name\":\"renamed\",\"gpu\":\"T4\",\"workflow_api\":" + ApiServerTest.smallGraph() + "}");
    Deployment again = files.load(folder, org).getFirst();
    assertEquals(UUID.fromString(id), again.id());
    assertEquals("renamed", again.name());
    assertEquals("T4", again.gpu());
    assertEquals(1, stores.deployments().list(org).size());
  }

  @Test
  void aMissingFolderLoadsNothing() {
    assertEquals(List.of(), files.load(dir.resolve("nowhere"), org));
  }

  @Test
  void badFilesNameTheFileAndTheProblem() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("bad"));
    Path noId = folder.resolve("no_id.json");
    Files.writeString(noId, "{\"name\":\"a\",\"workflow_api\":" + ApiServerTest.smallGraph() + "}");
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> files.load(folder, org));
    assertEquals("deployment file " + noId + ": [id] Field required", missing.getMessage());
    Files.writeString(noId, "{\"id\":\"" + UUID.randomUUID() + "\",\"name\":\"a\",\"workflow_api\":{\"1\":"
        + "{\"class_type\":\"Nope\",\"inputs\":{}}}}");
    IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class, () -> files.load(folder, org));
    assertTrue(invalid.getMessage().contains("invalid workflow_api: Cannot execute because node Nope does not exist."),
        invalid.getMessage());
    Files.writeString(noId, "[1]");
    assertThrows(IllegalArgumentException.class, () -> files.load(folder, org));
  }
}
