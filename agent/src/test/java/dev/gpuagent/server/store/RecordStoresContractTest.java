package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.identity.IdentityStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link DeploymentStore}, {@link OutputStore} and {@link WebhookStore}. */
public abstract class RecordStoresContractTest {
  private static final String WORKFLOW = StoreContractTest.WORKFLOW;

  protected final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
  protected Stores stores;
  protected UUID orgA;
  protected UUID orgB;

  protected abstract Stores open(Clock clock);

  protected abstract IdentityStore identity(Stores stores, Clock clock);

  @BeforeEach
  void openStore() {
    stores = open(clock);
    IdentityStore identity = identity(stores, clock);
    orgA = identity.createOrganisation("org-a").id();
    orgB = identity.createOrganisation("org-b").id();
  }

  @AfterEach
  void closeStore() {
    stores.close();
  }

  @Test
  void deploymentIsCreatedReadAndListedWithinItsOrganisation() {
    DeploymentStore deployments = stores.deployments();
    Deployment first = deployments.create(new NewDeployment(orgA, "blur", WORKFLOW, "{\"type\":\"object\"}", "A100", 60));
    clock.advance(Duration.ofSeconds(1));
    Deployment second = deployments.create(new NewDeployment(orgA, "scale", WORKFLOW, null, null, 300));
    deployments.create(new NewDeployment(orgB, "other", WORKFLOW, "{}", null, 300));

    assertEquals("blur", first.name());
    assertEquals("{\"type\":\"object\"}", first.inputSchema());
    assertEquals("A100", first.gpu());
    assertEquals(60, first.runTimeoutS());
    assertEquals(Instant.parse("2025-03-01T12:00:00Z"), first.createdAt());
    assertEquals("{}", second.inputSchema());
    assertEquals(Optional.of(first), deployments.get(orgA, first.id()));
    assertTrue(deployments.get(orgB, first.id()).isEmpty(), "another organisation's deployment is absent");
    assertEquals(List.of(first, second), deployments.list(orgA));
    assertEquals(1, deployments.list(orgB).size());
  }

  @Test
  void upsertReplacesADeploymentKeepingItsCreationTime() {
    UUID id = UUID.randomUUID();
    Deployment created = stores.deployments().upsert(id, new NewDeployment(orgA, "file", WORKFLOW, "{}", null, 300));
    clock.advance(Duration.ofMinutes(5));
    Deployment replaced = stores.deployments().upsert(id, new NewDeployment(orgA, "file v2", "{}", "{}", "T4", 30));
    assertEquals(id, replaced.id());
    assertEquals("file v2", replaced.name());
    assertEquals("T4", replaced.gpu());
    assertEquals(30, replaced.runTimeoutS());
    assertEquals(created.createdAt(), replaced.createdAt());
    assertEquals(clock.instant(), replaced.updatedAt());
    assertThrows(IllegalArgumentException.class,
        () -> stores.deployments().upsert(id, new NewDeployment(orgB, "steal", WORKFLOW, "{}", null, 300)));
    assertEquals("file v2", stores.deployments().get(orgA, id).orElseThrow().name());
  }

  @Test
  void outputsAreRecordedUnderTheCurrentLeaseOnly() {
    RunStore runs = stores.runs();
    Run run = runs.insert(NewRun.of(orgA, null, WORKFLOW));
    assertTrue(stores.outputs().add(StoreContractTest.output(run.id(), "queued.png"), 0).isEmpty(),
        "a queued run takes no outputs");
    Run first = runs.claimNext(List.of("T4"), "w1", StoreContractTest.TTL).orElseThrow();
    RunOutput stored = stores.outputs().add(StoreContractTest.output(run.id(), "a.png"), first.fencingToken())
        .orElseThrow();
    assertEquals(1, stored.attempt());
    assertEquals(clock.instant(), stored.createdAt());
    assertEquals(List.of(stored), stores.outputs().list(run.id()));

    clock.advance(StoreContractTest.TTL);
    runs.requeueExpired(clock.instant());
    Run second = runs.claimNext(List.of("T4"), "w2", StoreContractTest.TTL).orElseThrow();
    assertTrue(stores.outputs().add(StoreContractTest.output(run.id(), "late.png"), first.fencingToken()).isEmpty(),
        "the dead attempt's upload is rejected");
    assertEquals(List.of(), stores.outputs().list(run.id()), "only the latest attempt's files are listed");

    RunOutput b = stores.outputs().add(StoreContractTest.output(run.id(), "b.png"), second.fencingToken()).orElseThrow();
    RunOutput again = new RunOutput(run.id(), 0, "9", "SaveImage", "b.png", "image/png", 99, "cd".repeat(32), "k2", null);
    RunOutput replaced = stores.outputs().add(again, second.fencingToken()).orElseThrow();
    assertEquals(99, replaced.sizeBytes());
    assertEquals(List.of(replaced), stores.outputs().list(run.id()));
    assertEquals(2, b.attempt());
  }

  @Test
  void webhookEventsOfARunAreDeliveredInOrder() {
    Run run = stores.runs().insert(NewRun.of(orgA, null, WORKFLOW).withWebhook("https://example.com/h", false));
    Run other = stores.runs().insert(NewRun.of(orgB, null, WORKFLOW).withWebhook("https://example.com/o", false));
    WebhookStore webhooks = stores.webhooks();
    WebhookDelivery first = webhooks.enqueue(run.id(), "run.updated", "{\"status\":\"queued\"}");
    WebhookDelivery second = webhooks.enqueue(run.id(), "run.updated", "{\"status\":\"started\"}");
    WebhookDelivery elsewhere = webhooks.enqueue(other.id(), "run.updated", "{\"status\":\"queued\"}");
    assertEquals(1, first.seq());
    assertEquals(2, second.seq());
    assertEquals(1, elsewhere.seq());
    assertEquals(WebhookDelivery.Status.PENDING, first.status());

    assertEquals(Set.of(first, elsewhere), Set.copyOf(webhooks.due(clock.instant(), 10)),
        "only each run's oldest event is due");

    webhooks.retryLater(run.id(), 1, clock.instant().plusSeconds(2), "HTTP 503");
    assertEquals(List.of(elsewhere.runId()), webhooks.due(clock.instant(), 10).stream().map(WebhookDelivery::runId)
        .toList(), "a retried event holds back the events behind it");
    assertEquals("retrying", stores.runs().find(run.id()).orElseThrow().webhookStatus());

    clock.advance(Duration.ofSeconds(2));
    WebhookDelivery retry = webhooks.due(clock.instant(), 10).stream().filter(d -> d.runId().equals(run.id()))
        .findFirst().orElseThrow();
    assertEquals(1, retry.seq());
    assertEquals(1, retry.attempts());
    assertEquals("HTTP 503", retry.lastError());

    webhooks.delivered(run.id(), 1);
    assertEquals("success", stores.runs().find(run.id()).orElseThrow().webhookStatus());
    assertEquals(2, webhooks.due(clock.instant(), 10).stream().filter(d -> d.runId().equals(run.id()))
        .findFirst().orElseThrow().seq());

    webhooks.giveUp(run.id(), 2, "connection refused");
    assertEquals("failed", stores.runs().find(run.id()).orElseThrow().webhookStatus());
    assertEquals(List.of(elsewhere), webhooks.due(clock.instant(), 10));
    assertEquals(1, webhooks.due(clock.instant(), 1).size());
    assertThrows(IllegalArgumentException.class, () -> webhooks.enqueue(UUID.randomUUID(), "run.updated", "{}"));
  }
}
