package dev.gpuagent.worker;

import static dev.gpuagent.worker.TestCluster.DIFFUSION;
import static dev.gpuagent.worker.TestCluster.SHOWCASE;
import static dev.gpuagent.worker.TestCluster.status;
import static dev.gpuagent.worker.TestCluster.terminal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.engine.DirectoryOutputSink;
import dev.gpuagent.engine.Executor;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.engine.RunResult;
import dev.gpuagent.engine.RunStatus;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.workflow.Validation;
import dev.gpuagent.workflow.Validator;
import dev.gpuagent.workflow.WorkflowLimits;
import dev.gpuagent.workflow.WorkflowParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server and real workers in one JVM on loopback, driven through the public API. */
class WorkerEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private TestCluster cluster(Duration heartbeat, Duration ttl) {
    cluster = new TestCluster(dir.resolve("data"), heartbeat, ttl);
    return cluster;
  }

  @Test
  void aQueuedRunSucceedsAndItsOutputsDownloadAsTheImagesALocalRunMakes() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(500), Duration.ofSeconds(5));
    WorkerAgent worker = c.worker("w1", 2);
    TestCluster.await("registration", worker::connected, WAIT);

    String runId = c.queue(SHOWCASE, Map.of("width", 96, "height", 64), null);
    JsonNode done = c.awaitRun(runId, terminal(), WAIT);

    assertEquals("success", done.get("status").asText(), done.toString());
    assertEquals(worker.workerId(), done.get("machine_id").asText());
    assertEquals("CPU", done.get("gpu").asText());
    assertEquals(1.0, done.get("progress").asDouble());
    assertFalse(done.get("started_at").isNull());
    JsonNode outputs = done.get("outputs");
    assertEquals(2, outputs.size(), outputs.toString());
    assertEquals("10", outputs.get(0).get("node_meta").get("node_id").asText());
    assertEquals("SaveImage", outputs.get(0).get("node_meta").get("class_type").asText());
    assertEquals("showcase_00001_.png", outputs.get(0).get("data").get("images").get(0).get("filename").asText());
    assertEquals("PreviewImage", outputs.get(1).get("node_meta").get("class_type").asText());

    // The same graph (inputs applied, as the record shows it) executed here gives the same pixels.
    Path local = dir.resolve("local");
    RunResult expected = runLocally((ObjectNode) done.get("workflow_api"), local);
    assertEquals(RunStatus.SUCCESS, expected.status());
    BufferedImage fetched = ImageIO.read(new ByteArrayInputStream(
        c.download(outputs.get(0).get("data").get("images").get(0).get("url").asText())));
    BufferedImage reference = ImageIO.read(local.resolve("showcase_00001_.png").toFile());
    assertEquals(reference.getWidth(), fetched.getWidth());
    assertEquals(reference.getHeight(), fetched.getHeight());
    assertArrayEquals(reference.getRGB(0, 0, reference.getWidth(), reference.getHeight(), null, 0, reference.getWidth()),
        fetched.getRGB(0, 0, fetched.getWidth(), fetched.getHeight(), null, 0, fetched.getWidth()));
  }

  /**
   * Runs queued from several threads at once while claims, node events and finishes are in flight in
   * the store together: every one is leased once and succeeds, none is left waiting in the queue.
   */
  @Test
  void manyRunsQueuedAtOnceAllSucceed() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(500), Duration.ofSeconds(5));
    WorkerAgent worker = c.worker("w1", 3);
    TestCluster.await("registration", worker::connected, WAIT);
    String steps = c.deployStepGraph(8);

    List<String> ids = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    List<Thread> clients = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      clients.add(Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; i < 15; i++) {
            ids.add(c.queue(steps, Map.of("steps", 1 + i % 3), null));
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (Thread t : clients) {
      t.join();
    }
    assertEquals(60, ids.size());
    for (String id : ids) {
      JsonNode done = c.awaitRun(id, terminal(), WAIT);
      assertEquals("success", done.get("status").asText(), done.toString());
      assertEquals(worker.workerId(), done.get("machine_id").asText(), done.toString());
      assertEquals(1, done.get("outputs").size(), done.toString());
    }
  }

  @Test
  void cancelInTheStepNodeStopsTheRunAndFreesTheSlotForTheNextRun() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(500), Duration.ofSeconds(5));
    WorkerAgent worker = c.worker("w1", 1);
    TestCluster.await("registration", worker::connected, WAIT);

    String runId = c.queue(DIFFUSION, Map.of("steps", 500), null);
    JsonNode running = c.awaitRun(runId, r -> r.path("live_status").asText().contains(" step "), WAIT);
    assertEquals("running", running.get("status").asText());

    assertEquals(200, c.cancel(runId).statusCode());
    assertEquals("cancelled", c.run(runId).get("status").asText());
    TestCluster.await("the slot to be free", () -> worker.busySlots() == 0, Duration.ofSeconds(5));

    String next = c.queue(SHOWCASE, Map.of(), null);
    assertEquals("success", c.awaitRun(next, terminal(), WAIT).get("status").asText());
    JsonNode cancelled = c.run(runId);
    assertEquals("cancelled", cancelled.get("status").asText(), "a terminal status never changes");
  }

  @Test
  void aRunAskingForAGpuTypeWaitsUntilAWorkerWithThatTypeConnects() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(500), Duration.ofSeconds(5));
    WorkerAgent cpu = c.worker("cpu-only", 1);
    TestCluster.await("registration", cpu::connected, WAIT);

    String runId = c.queue(SHOWCASE, Map.of(), "H100");
    Thread.sleep(300);
    assertEquals("queued", c.run(runId).get("status").asText(), "no H100 slot yet");

    WorkerAgent h100 = c.worker("h100-host", List.of(TestCluster.fakeGpu("gpu0", "H100")));
    JsonNode done = c.awaitRun(runId, terminal(), WAIT);
    assertEquals("success", done.get("status").asText());
    assertEquals("H100", done.get("gpu").asText());
    assertEquals(h100.workerId(), done.get("machine_id").asText());
  }

  @Test
  void theWorkerResumesItsLeaseAfterTheServerRestartsMidRun() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(300), Duration.ofSeconds(6));
    WorkerAgent worker = c.worker("w1", 1);
    TestCluster.await("registration", worker::connected, WAIT);

    String runId = c.queue(DIFFUSION, Map.of("steps", 120), null);
    c.awaitRun(runId, r -> r.path("live_status").asText().contains(" step "), WAIT);
    String leaseId = c.run(runId).get("gpu_event_id").asText();
    int port = c.port();
    c.stopServer();
    TestCluster.await("the worker to notice", () -> !worker.connected(), Duration.ofSeconds(5));
    c.startServer(port);

    JsonNode done = c.awaitRun(runId, terminal(), Duration.ofSeconds(60));
    assertEquals("success", done.get("status").asText(), done.path("live_status").asText());
    assertEquals(leaseId, done.get("gpu_event_id").asText(), "the same lease finished the run");
    assertEquals(1, done.get("outputs").size());
  }

  @Test
  void aDrainLetsTheRunningRunFinishAndTakesNoNewLeases() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(300), Duration.ofSeconds(5));
    WorkerAgent worker = c.worker("w1", 2);
    TestCluster.await("registration", worker::connected, WAIT);

    String runId = c.queue(DIFFUSION, Map.of("steps", 30), null);
    c.awaitRun(runId, status("running"), WAIT);
    worker.drain("signal");
    String queuedAfter = c.queue(SHOWCASE, Map.of(), null);

    assertEquals(0, worker.exited().get(30, java.util.concurrent.TimeUnit.SECONDS));
    // run_finished went out before the connection closed with 1000; the server records it in order
    assertEquals("success", c.awaitRun(runId, terminal(), Duration.ofSeconds(5)).get("status").asText());
    assertEquals("queued", c.run(queuedAfter).get("status").asText(), "a draining worker takes no lease");
  }

  @Test
  void theSlotRunsTheNextRunWhileTheLastOnesUploadIsInFlightAndADrainWaitsForBoth() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(300), Duration.ofSeconds(5));
    try (UploadGate gate = new UploadGate(c.port())) {
      WorkerAgent worker = c.worker(c.workerSettings("w1", gate.url()), List.of(new CpuSlot("cpu0", 1)));
      TestCluster.await("registration", worker::connected, WAIT);
      gate.hold();

      String first = c.queue(SHOWCASE, Map.of(), null);
      c.awaitRun(first, status("uploading"), WAIT);
      TestCluster.await("the slot freed while the upload is held", () -> worker.busySlots() == 0, WAIT);
      String second = c.queue(SHOWCASE, Map.of(), null);
      c.awaitRun(second, status("uploading"), WAIT); // ran its whole graph on the one slot
      assertEquals("uploading", c.run(first).get("status").asText(), "the first still waits for its file");

      worker.drain("signal");
      Thread.sleep(300);
      assertFalse(worker.exited().isDone(), "a drain waits for the runs that are still uploading");
      gate.release();
      assertEquals(0, worker.exited().get(30, java.util.concurrent.TimeUnit.SECONDS));
      for (String runId : List.of(first, second)) {
        JsonNode done = c.awaitRun(runId, terminal(), Duration.ofSeconds(5));
        assertEquals("success", done.get("status").asText(), done.toString());
        assertFalse(done.at("/outputs/0/data/images").isEmpty(), "its files arrived: " + done);
      }
    }
  }

  @Test
  void aForcedStopHandsTheRunBackForRequeueing() throws Exception {
    TestCluster c = cluster(Duration.ofMillis(300), Duration.ofSeconds(5));
    WorkerAgent worker = c.worker("w1", 1);
    TestCluster.await("registration", worker::connected, WAIT);

    String runId = c.queue(DIFFUSION, Map.of("steps", 500), null);
    c.awaitRun(runId, r -> r.path("live_status").asText().contains(" step "), WAIT);
    worker.drain("signal");
    worker.forceStop();
    assertEquals(143, worker.exited().get(10, java.util.concurrent.TimeUnit.SECONDS));
    JsonNode requeued = c.awaitRun(runId, status("queued"), Duration.ofSeconds(5));
    assertTrue(requeued.get("started_at").isNull(), requeued.toString());
    assertEquals("re-queued: worker shutting down", requeued.get("live_status").asText(), requeued.toString());

    WorkerAgent other = c.worker("w2", 1);
    JsonNode done = c.awaitRun(runId, r -> r.path("live_status").asText().contains(" step "), WAIT);
    assertEquals(other.workerId(), done.get("machine_id").asText(), "the run went to the other worker");
    c.cancel(runId);
  }

  private static RunResult runLocally(ObjectNode workflowApi, Path output) throws Exception {
    NodeRegistry registry = NodeRegistry.standard();
    var workflow = new WorkflowParser(WorkflowLimits.DEFAULT).fromTree(workflowApi);
    var plan = ((Validation.Valid) new Validator(registry, WorkflowLimits.DEFAULT).validate(workflow)).plan();
    Files.createDirectories(output);
    try (CpuBackend backend = new CpuBackend(1)) {
      return new Executor(registry).execute(plan, new RunContext("local", backend, null, null,
          new DirectoryOutputSink(output, output.resolve("temp")), null, WorkflowLimits.DEFAULT, workflowApi));
    }
  }
}
