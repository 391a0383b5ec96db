package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.store.Transition.Refusal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link RunStore}: every implementation (SQLite now, PostgreSQL later) extends
 * this class and passes it unchanged. Durability across a crash is in {@link CrashDurabilityContractTest}.
 */
public abstract class StoreContractTest {
  protected static final String WORKFLOW = "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{}}}";
  protected static final Duration TTL = Duration.ofSeconds(30);

  protected final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
  protected Stores stores;
  protected RunStore runs;
  protected UUID orgA;
  protected UUID orgB;

  /** Opens the store under test; after {@link Stores#close()}, opens the same database again. */
  protected abstract Stores open(Clock clock);

  /** The identity store over the same database (organisations are needed to queue runs). */
  protected abstract IdentityStore identity(Stores stores, Clock clock);

  @BeforeEach
  void openStore() {
    stores = open(clock);
    runs = stores.runs();
    IdentityStore identity = identity(stores, clock);
    orgA = identity.createOrganisation("org-a").id();
    orgB = identity.createOrganisation("org-b").id();
  }

  @AfterEach
  void closeStore() {
    stores.close();
  }

  protected Run queue(UUID org, String gpu) {
    return runs.insert(NewRun.of(org, null, WORKFLOW).withGpu(gpu));
  }

  protected Run claim(String worker, String... gpuTypes) {
    return runs.claimNext(List.of(gpuTypes), worker, TTL).orElseThrow(() -> new AssertionError("nothing to claim"));
  }

  @Test
  void insertStoresAQueuedRunAndGetReadsItBack() {
    Instant now = clock.instant();
    Run run = runs.insert(NewRun.of(orgA, null, WORKFLOW).withInputs("{\"seed\":7}").withGpu("A100")
        .withWebhook("https://example.com/hook", true).withLimits(5, 60));
    assertEquals(RunStatus.QUEUED, run.status());
    assertEquals(orgA, run.orgId());
    assertEquals(1, run.number());
    assertNull(run.workflowApi(), "a change returns the run without its graph");
    assertNull(run.workflowInputs(), "nor its inputs");
    assertEquals("A100", run.gpuRequested());
    assertEquals("api", run.origin());
    assertEquals("https://example.com/hook", run.webhook());
    assertTrue(run.webhookIntermediateStatus());
    assertEquals(0, run.attempt());
    assertEquals(5, run.maxAttempts());
    assertEquals(60, run.runTimeoutS());
    assertEquals(0.0, run.progress());
    assertEquals(now, run.createdAt());
    assertEquals(now, run.queuedAt());
    assertEquals(now, run.updatedAt());
    assertNull(run.startedAt());
    assertNull(run.endedAt());
    assertNull(run.machineId());
    assertNull(run.gpuEventId());
    assertNull(run.gpu());
    assertTrue(run.lease().isEmpty());
    Run read = runs.get(orgA, run.id()).orElseThrow();
    assertEquals(WORKFLOW, read.workflowApi());
    assertEquals("{\"seed\":7}", read.workflowInputs());
    assertEquals(run, withDocuments(read, null, null));
    assertEquals(Optional.of(read), runs.find(run.id()));
    assertEquals(WORKFLOW, claim("w1", "A100").workflowApi(), "a claim returns the graph: the lease carries it");
  }

  /** {@code run} with its two JSON documents replaced. */
  protected static Run withDocuments(Run run, String workflowApi, String workflowInputs) {
    return new Run(run.id(), run.orgId(), run.number(), run.deploymentId(), workflowApi, workflowInputs, run.status(),
        run.origin(), run.gpuRequested(), run.gpu(), run.machineId(), run.gpuEventId(), run.attempt(),
        run.leaseExpiries(), run.maxAttempts(), run.fencingToken(), run.leaseExpiresAt(), run.runTimeoutS(),
        run.deadlineAt(), run.liveStatus(), run.progress(), run.webhook(), run.webhookStatus(),
        run.webhookIntermediateStatus(), run.outputs(), run.error(), run.createdAt(), run.queuedAt(), run.startedAt(),
        run.endedAt(), run.updatedAt());
  }

  @Test
  void anotherOrganisationsRunIsAbsent() {
    Run run = queue(orgA, null);
    assertTrue(runs.get(orgB, run.id()).isEmpty());
    assertTrue(runs.get(orgA, UUID.randomUUID()).isEmpty());
    assertInstanceOf(Transition.NotFound.class, runs.cancel(orgB, run.id()));
    assertEquals(RunStatus.QUEUED, runs.find(run.id()).orElseThrow().status());
  }

  @Test
  void queueingForAnUnknownOrganisationOrAnotherOrganisationsDeploymentIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> queue(UUID.randomUUID(), null));
    Deployment deployment = stores.deployments().create(new NewDeployment(orgB, "b", WORKFLOW, "{}", null, 300));
    assertThrows(IllegalArgumentException.class, () -> runs.insert(NewRun.of(orgA, deployment.id(), WORKFLOW)));
    assertEquals(deployment.id(), runs.insert(NewRun.of(orgB, deployment.id(), WORKFLOW)).deploymentId());
  }

  @Test
  void numbersCountPerOrganisation() {
    assertEquals(1, queue(orgA, null).number());
    assertEquals(2, queue(orgA, null).number());
    assertEquals(1, queue(orgB, null).number());
    assertEquals(3, queue(orgA, null).number());
    assertEquals(2, queue(orgB, null).number());
  }

  @Test
  void concurrentInsertsGetDistinctConsecutiveNumbers() throws Exception {
    List<Long> numbers = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<Run>> futures = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      futures.add(runs.insertAsync(NewRun.of(orgA, null, WORKFLOW)));
    }
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<Run>> blocking = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        blocking.add(pool.submit(() -> queue(orgA, null)));
      }
      for (Future<Run> f : blocking) {
        numbers.add(f.get(30, TimeUnit.SECONDS).number());
      }
    }
    for (var f : futures) {
      numbers.add(f.get(30, TimeUnit.SECONDS).number());
    }
    assertEquals(100, new HashSet<>(numbers).size());
    assertEquals(1, numbers.stream().mapToLong(Long::longValue).min().orElseThrow());
    assertEquals(100, numbers.stream().mapToLong(Long::longValue).max().orElseThrow());
  }

  @Test
  void claimTakesTheOldestRunOfTheSlotsTypeOrAnyType() {
    Run a100First = queue(orgA, "A100");
    Run any = queue(orgB, null);
    Run t4 = queue(orgA, "T4");
    Run a100Second = queue(orgB, "A100");

    Run first = claim("w1", "T4");
    assertEquals(any.id(), first.id(), "an 'any' run queued earlier goes first");
    assertEquals("T4", first.gpu(), "an 'any' run records the slot's type");
    assertEquals(t4.id(), claim("w1", "T4").id());
    assertTrue(runs.claimNext(List.of("T4"), "w1", TTL).isEmpty());
    assertTrue(runs.claimNext(List.of("H100"), "w2", TTL).isEmpty(), "A100 runs wait for an A100");
    Run a100 = claim("w2", "H100", "A100");
    assertEquals(a100First.id(), a100.id());
    assertEquals("A100", a100.gpu(), "a run that asked for a type records it");
    assertEquals(a100Second.id(), claim("w2", "A100").id());
    assertTrue(runs.claimNext(List.of("A100", "T4"), "w2", TTL).isEmpty());
  }

  @Test
  void insertAndClaimLeasesTheOldestMatchingRunInTheSameCommit() {
    QueuedAndClaimed alone = runs.insertAndClaimAsync(NewRun.of(orgA, null, WORKFLOW), List.of("CPU"), "w1", TTL).join();
    assertTrue(alone.claimedItself(), "nothing older waits: the new run is leased at once");
    assertEquals(RunStatus.QUEUED, alone.queued().status(), "the first answer is the run as queued");
    assertEquals(RunStatus.STARTED, alone.claimed().orElseThrow().status());
    assertEquals("w1", runs.find(alone.queued().id()).orElseThrow().machineId());

    Run older = queue(orgB, null);
    QueuedAndClaimed behind = runs.insertAndClaimAsync(NewRun.of(orgA, null, WORKFLOW), List.of("CPU"), "w2", TTL)
        .join();
    assertEquals(older.id(), behind.claimed().orElseThrow().id(), "the queue stays FIFO: the older run goes first");
    assertFalse(behind.claimedItself());
    assertEquals(RunStatus.QUEUED, runs.find(behind.queued().id()).orElseThrow().status());
  }

  @Test
  void claimStartsTheRunUnderANewLease() {
    Run queued = runs.insert(NewRun.of(orgA, null, WORKFLOW).withLimits(3, 120));
    clock.advance(Duration.ofSeconds(2));
    Instant now = clock.instant();
    Run run = claim("worker-1", "L4");
    assertEquals(queued.id(), run.id());
    assertEquals(RunStatus.STARTED, run.status());
    assertEquals("worker-1", run.machineId());
    assertEquals("L4", run.gpu());
    assertNotNull(run.gpuEventId());
    assertEquals(1, run.attempt());
    assertEquals(queued.fencingToken() + 1, run.fencingToken());
    assertEquals(now.plus(TTL), run.leaseExpiresAt());
    assertEquals(now.plusSeconds(120), run.deadlineAt());
    assertEquals(now, run.startedAt());
    assertEquals(2.0, run.coldStartDuration());
    Lease lease = run.lease().orElseThrow();
    assertEquals(new Lease(run.id(), run.gpuEventId(), "worker-1", 1, run.fencingToken(), now.plus(TTL)), lease);
    assertEquals(run, runs.find(run.id()).orElseThrow());
  }

  @Test
  void concurrentClaimersNeverGetTheSameRun() throws Exception {
    int count = 120;
    for (int i = 0; i < count; i++) {
      queue(i % 2 == 0 ? orgA : orgB, i % 3 == 0 ? "A100" : null);
    }
    Set<UUID> claimed = ConcurrentHashMap.newKeySet();
    List<UUID> all = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        String worker = "w" + w;
        workers.add(pool.submit(() -> {
          start.await();
          Optional<Run> run;
          while ((run = runs.claimNext(List.of("A100"), worker, TTL)).isPresent()) {
            claimed.add(run.get().id());
            all.add(run.get().id());
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : workers) {
        f.get(60, TimeUnit.SECONDS);
      }
    }
    assertEquals(count, all.size(), "every run claimed exactly once");
    assertEquals(count, claimed.size());
    assertEquals(Map.of(), runs.queueDepth());
  }

  @Test
  void renewalExtendsOnlyTheWorkersLiveLeases() {
    queue(orgA, null);
    queue(orgA, null);
    Run one = claim("w1", "T4");
    Run two = claim("w1", "T4");
    clock.advance(Duration.ofSeconds(10));
    Set<String> renewed = runs.renewLeases("w1", List.of(one.gpuEventId(), two.gpuEventId(), "no-such-lease"), TTL);
    assertEquals(Set.of(one.gpuEventId(), two.gpuEventId()), renewed);
    assertEquals(clock.instant().plus(TTL), runs.find(one.id()).orElseThrow().leaseExpiresAt());
    assertEquals(Set.of(), runs.renewLeases("w2", List.of(one.gpuEventId()), TTL), "another worker's lease");

    assertTrue(runs.cancel(orgA, one.id()).applied());
    assertEquals(Set.of(two.gpuEventId()), runs.renewLeases("w1", List.of(one.gpuEventId(), two.gpuEventId()), TTL));
    assertEquals(Set.of(), runs.renewLeases("w1", List.of(), TTL));
    assertEquals(List.of(two.id()), runs.leasedBy("w1").stream().map(Run::id).toList());
  }

  @Test
  void renewedLeaseDoesNotExpire() {
    Run run = queue(orgA, null);
    Run leased = claim("w1", "T4");
    clock.advance(Duration.ofSeconds(20));
    runs.renewLeases("w1", List.of(leased.gpuEventId()), TTL);
    clock.advance(Duration.ofSeconds(20));
    assertTrue(runs.requeueExpired(clock.instant()).isEmpty());
    assertEquals(RunStatus.STARTED, runs.find(run.id()).orElseThrow().status());
  }

  @Test
  void staleFencingTokenIsRefused() {
    Run queued = queue(orgA, null);
    Run first = claim("w1", "T4");
    clock.advance(TTL);
    assertEquals(List.of(queued.id()), runs.requeueExpired(clock.instant()).requeued().stream().map(Run::id).toList());
    long stale = first.fencingToken();
    assertRefused(Refusal.STALE_LEASE, runs.updateProgress(queued.id(), stale, 0.5, "late"), "re-queued run");
    Run second = claim("w2", "T4");
    assertNotEquals(stale, second.fencingToken());

    assertRefused(Refusal.STALE_LEASE, runs.updateProgress(queued.id(), stale, 0.5, "late"), "progress");
    assertRefused(Refusal.STALE_LEASE, runs.setStatus(StatusUpdate.progress(queued.id(), stale, RunStatus.RUNNING, null)),
        "running");
    assertRefused(Refusal.STALE_LEASE, runs.setStatus(StatusUpdate.finish(queued.id(), stale, RunStatus.SUCCESS, null,
        "[]", null)), "finish");
    assertRefused(Refusal.STALE_LEASE, runs.release(queued.id(), stale, null), "release");
    assertEquals(Set.of(), runs.renewLeases("w1", List.of(first.gpuEventId()), TTL));
    assertTrue(stores.outputs().add(output(queued.id(), "a.png"), stale).isEmpty());

    Run current = runs.find(queued.id()).orElseThrow();
    assertEquals(RunStatus.STARTED, current.status());
    assertEquals("w2", current.machineId());
    assertTrue(runs.updateProgress(queued.id(), second.fencingToken(), 0.25, "node 1").applied());
  }

  @Test
  void progressAndLiveStatusAreRecordedForTheCurrentLease() {
    Run run = queue(orgA, null);
    Run leased = claim("w1", "T4");
    clock.advance(Duration.ofMillis(40));
    Transition t = runs.updateProgress(run.id(), leased.fencingToken(), 0.5, "EmptyImage 1/2");
    Run after = ((Transition.Applied) t).run();
    assertEquals(0.5, after.progress());
    assertEquals("EmptyImage 1/2", after.liveStatus());
    assertEquals(clock.instant(), after.updatedAt());
    Run kept = ((Transition.Applied) runs.updateProgress(run.id(), leased.fencingToken(), 0.75, null)).run();
    assertEquals("EmptyImage 1/2", kept.liveStatus(), "a null live status keeps the last one");
    assertThrows(IllegalArgumentException.class, () -> runs.updateProgress(run.id(), leased.fencingToken(), 1.5, null));
    assertThrows(IllegalArgumentException.class, () -> runs.updateProgress(run.id(), leased.fencingToken(), Double.NaN, null));
    assertInstanceOf(Transition.NotFound.class, runs.updateProgress(UUID.randomUUID(), 1, 0.5, null));
  }

  @Test
  void statusMovesForwardThroughRunningAndUploading() {
    Run run = queue(orgA, null);
    long token = claim("w1", "T4").fencingToken();
    assertEquals(RunStatus.RUNNING, applied(runs.setStatus(StatusUpdate.progress(run.id(), token, RunStatus.RUNNING,
        "node 1"))).status());
    assertEquals(RunStatus.UPLOADING, applied(runs.setStatus(StatusUpdate.progress(run.id(), token, RunStatus.UPLOADING,
        null))).status());
    assertRefused(Refusal.NOT_ALLOWED, runs.setStatus(StatusUpdate.progress(run.id(), token, RunStatus.RUNNING, null)),
        "uploading back to running");
    clock.advance(Duration.ofSeconds(3));
    Run done = applied(runs.setStatus(StatusUpdate.finish(run.id(), token, RunStatus.SUCCESS, "done",
        "[{\"data\":{}}]", null)));
    assertEquals(RunStatus.SUCCESS, done.status());
    assertEquals(1.0, done.progress());
    assertEquals("[{\"data\":{}}]", done.outputs());
    assertEquals("done", done.liveStatus());
    assertEquals(clock.instant(), done.endedAt());
    assertEquals(3.0, done.runDuration());
    assertEquals(3.0, done.duration());
    assertNull(done.leaseExpiresAt());
    assertTrue(runs.leasedBy("w1").isEmpty());
    assertThrows(IllegalArgumentException.class, () -> StatusUpdate.server(run.id(), RunStatus.RUNNING, null, null));
    assertThrows(IllegalArgumentException.class, () -> new StatusUpdate(run.id(), 1L, RunStatus.QUEUED, null, null, null));
  }

  @Test
  void terminalStatusNeverChanges() {
    Run run = queue(orgA, null);
    long token = claim("w1", "T4").fencingToken();
    applied(runs.setStatus(StatusUpdate.finish(run.id(), token, RunStatus.FAILED, "boom", null,
        "{\"message\":\"boom\"}")));
    Transition cancel = runs.cancel(orgA, run.id());
    assertRefused(Refusal.TERMINAL, cancel, "cancel after failure");
    assertEquals(RunStatus.FAILED, cancel.current().orElseThrow().status());
    assertRefused(Refusal.TERMINAL, runs.setStatus(StatusUpdate.finish(run.id(), token, RunStatus.SUCCESS, null, "[]",
        null)), "second finish");
    assertRefused(Refusal.TERMINAL, runs.setStatus(StatusUpdate.server(run.id(), RunStatus.TIMEOUT, null, null)),
        "server timeout");
    assertRefused(Refusal.TERMINAL, runs.updateProgress(run.id(), token, 0.9, null), "progress");
    clock.advance(Duration.ofHours(1));
    assertTrue(runs.requeueExpired(clock.instant()).isEmpty());
    assertTrue(runs.timeoutOverdue(clock.instant()).isEmpty());
    Run after = runs.find(run.id()).orElseThrow();
    assertEquals(RunStatus.FAILED, after.status());
    assertEquals("{\"message\":\"boom\"}", after.error());
  }

  @Test
  void cancelOfAQueuedRunRemovesItFromTheQueue() {
    Run run = queue(orgA, "T4");
    Run cancelled = applied(runs.cancel(orgA, run.id()));
    assertEquals(RunStatus.CANCELLED, cancelled.status());
    assertEquals(clock.instant(), cancelled.endedAt());
    assertTrue(runs.claimNext(List.of("T4"), "w1", TTL).isEmpty());
  }

  @Test
  void cancelOfALeasedRunNamesTheWorkerAndLease() {
    Run run = queue(orgA, null);
    Run leased = claim("w1", "T4");
    Run cancelled = applied(runs.cancel(orgA, run.id()));
    assertEquals("w1", cancelled.machineId());
    assertEquals(leased.gpuEventId(), cancelled.gpuEventId());
    assertRefused(Refusal.TERMINAL, runs.setStatus(StatusUpdate.finish(run.id(), leased.fencingToken(),
        RunStatus.SUCCESS, null, "[]", null)), "finish after cancel");
  }

  @Test
  void cancelRacingFinishHasExactlyOneWinner() throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      for (int i = 0; i < 100; i++) {
        Run run = queue(orgA, null);
        long token = claim("w1", "T4").fencingToken();
        CountDownLatch start = new CountDownLatch(1);
        Future<Transition> cancel = pool.submit(() -> {
          start.await();
          return runs.cancel(orgA, run.id());
        });
        Future<Transition> finish = pool.submit(() -> {
          start.await();
          return runs.setStatus(StatusUpdate.finish(run.id(), token, RunStatus.SUCCESS, null, "[]", null));
        });
        start.countDown();
        Transition c = cancel.get(30, TimeUnit.SECONDS);
        Transition f = finish.get(30, TimeUnit.SECONDS);
        assertTrue(c.applied() ^ f.applied(), "exactly one wins, round " + i + ": " + c + " / " + f);
        RunStatus winner = c.applied() ? RunStatus.CANCELLED : RunStatus.SUCCESS;
        Transition loser = c.applied() ? f : c;
        assertRefused(Refusal.TERMINAL, loser, "the loser, round " + i);
        assertEquals(winner, loser.current().orElseThrow().status(), "the loser sees the winner");
        assertEquals(winner, runs.find(run.id()).orElseThrow().status());
      }
    }
  }

  @Test
  void expiredLeaseIsRequeuedUntilMaxAttemptsThenFailed() {
    Run run = runs.insert(NewRun.of(orgA, null, WORKFLOW).withLimits(3, 300));
    for (int attempt = 1; attempt <= 2; attempt++) {
      Run leased = claim("w" + attempt, "T4");
      assertEquals(attempt, leased.attempt());
      clock.advance(TTL.minusMillis(1));
      assertTrue(runs.requeueExpired(clock.instant()).isEmpty(), "not yet expired");
      clock.advance(Duration.ofMillis(1));
      ExpiredLeases swept = runs.requeueExpired(clock.instant());
      assertEquals(List.of(), swept.failed());
      Run requeued = swept.requeued().getFirst();
      assertEquals(run.id(), requeued.id());
      assertEquals(RunStatus.QUEUED, requeued.status());
      assertEquals(attempt, requeued.leaseExpiries());
      assertNull(requeued.machineId());
      assertNull(requeued.gpuEventId());
      assertNull(requeued.leaseExpiresAt());
      assertNull(requeued.startedAt());
      assertEquals(run.queuedAt(), requeued.queuedAt(), "a re-queued run keeps its place and its queued_at");
      assertEquals("re-queued after the worker was lost (attempt " + (attempt + 1) + " of 3)", requeued.liveStatus());
    }
    Run third = claim("w3", "T4");
    assertEquals(3, third.attempt());
    clock.advance(TTL);
    ExpiredLeases swept = runs.requeueExpired(clock.instant());
    assertEquals(List.of(), swept.requeued());
    Run failed = swept.failed().getFirst();
    assertEquals(RunStatus.FAILED, failed.status());
    assertEquals("worker lost: the lease expired on 3 attempts", failed.liveStatus());
    assertEquals("{\"type\": \"lease_expired\", \"message\": \"worker lost: the lease expired on 3 attempts\"}",
        failed.error());
    assertEquals(clock.instant(), failed.endedAt());
    assertTrue(runs.claimNext(List.of("T4"), "w4", TTL).isEmpty());
    assertRefused(Refusal.TERMINAL, runs.setStatus(StatusUpdate.finish(run.id(), third.fencingToken(),
        RunStatus.SUCCESS, null, "[]", null)), "a late finish of the last attempt");
  }

  @Test
  void openLeasesAreExtendedToAtLeastTheGivenTimeAndNoOthers() {
    Run soon = runs.insert(NewRun.of(orgA, null, WORKFLOW));
    Run leasedSoon = runs.claimNext(List.of("T4"), "w1", Duration.ofSeconds(5)).orElseThrow();
    Run later = runs.insert(NewRun.of(orgA, null, WORKFLOW));
    Run leasedLater = runs.claimNext(List.of("T4"), "w1", Duration.ofMinutes(5)).orElseThrow();
    Run queued = queue(orgA, null);
    clock.advance(Duration.ofSeconds(20)); // the first lease is overdue, as after a long restart
    Instant grace = clock.instant().plus(TTL);
    assertEquals(1, runs.extendOpenLeases(grace));
    assertEquals(grace, runs.find(soon.id()).orElseThrow().leaseExpiresAt());
    assertEquals(leasedLater.leaseExpiresAt(), runs.find(later.id()).orElseThrow().leaseExpiresAt(), "already later");
    assertNull(runs.find(queued.id()).orElseThrow().leaseExpiresAt());
    assertTrue(runs.requeueExpired(clock.instant()).isEmpty(), "an extended lease does not expire at once");
    assertEquals(leasedSoon.fencingToken(), runs.find(soon.id()).orElseThrow().fencingToken());
  }

  @Test
  void requeuedRunKeepsItsPlaceInTheQueue() {
    Run older = queue(orgA, null);
    claim("w1", "T4");
    Run younger = queue(orgA, null);
    clock.advance(TTL);
    runs.requeueExpired(clock.instant());
    assertEquals(older.id(), claim("w2", "T4").id());
    assertEquals(younger.id(), claim("w2", "T4").id());
  }

  @Test
  void releasedRunIsQueuedAgainWithoutCountingAnExpiry() {
    Run run = runs.insert(NewRun.of(orgA, null, WORKFLOW).withLimits(1, 300));
    Run leased = claim("w1", "T4");
    clock.advance(Duration.ofSeconds(3));
    Run released = applied(runs.release(run.id(), leased.fencingToken(), "re-queued: worker shutting down"));
    assertEquals(RunStatus.QUEUED, released.status());
    assertEquals("re-queued: worker shutting down", released.liveStatus());
    assertEquals(0, released.leaseExpiries());
    assertEquals(run.queuedAt(), released.queuedAt(), "a released run keeps its place and its queued_at");
    Run again = claim("w2", "T4");
    assertEquals(1, again.attempt(), "a release counts no attempt");
    assertTrue(again.fencingToken() > leased.fencingToken(), "but the new lease has a new token");
    assertRefused(Refusal.STALE_LEASE, runs.updateProgress(run.id(), leased.fencingToken(), 0.1, null), "old lease");
  }

  @Test
  void overdueRunTimesOutAndQueuedRunsDoNot() {
    Run run = runs.insert(NewRun.of(orgA, null, WORKFLOW).withLimits(3, 5));
    Run waiting = runs.insert(NewRun.of(orgA, null, WORKFLOW).withGpu("H100").withLimits(3, 5));
    Run leased = claim("w1", "T4");
    clock.advance(Duration.ofMillis(4_999));
    runs.renewLeases("w1", List.of(leased.gpuEventId()), TTL);
    assertTrue(runs.timeoutOverdue(clock.instant()).isEmpty());
    clock.advance(Duration.ofMillis(1));
    List<Run> overdue = runs.timeoutOverdue(clock.instant());
    assertEquals(List.of(run.id()), overdue.stream().map(Run::id).toList());
    Run timedOut = overdue.getFirst();
    assertEquals(RunStatus.TIMEOUT, timedOut.status());
    assertEquals("w1", timedOut.machineId(), "the record names the worker to stop");
    assertTrue(timedOut.error().contains("run_timeout_s of 5 s"), timedOut.error());
    assertEquals(clock.instant(), timedOut.endedAt());
    assertRefused(Refusal.TERMINAL, runs.setStatus(StatusUpdate.finish(run.id(), leased.fencingToken(),
        RunStatus.SUCCESS, null, "[]", null)), "finish after timeout");
    clock.advance(Duration.ofHours(1));
    assertTrue(runs.timeoutOverdue(clock.instant()).isEmpty());
    assertEquals(RunStatus.QUEUED, runs.find(waiting.id()).orElseThrow().status());
  }

  @Test
  void queueDepthCountsQueuedRunsByRequestedType() {
    queue(orgA, "A100");
    queue(orgB, "A100");
    queue(orgA, null);
    queue(orgA, "T4");
    claim("w1", "T4");
    assertEquals(Map.of("A100", 2L, "T4", 1L), runs.queueDepth());
  }

  @Test
  void webhookStatusIsRecorded() {
    Run run = queue(orgA, null);
    runs.setWebhookStatus(run.id(), "success");
    assertEquals("success", runs.find(run.id()).orElseThrow().webhookStatus());
  }

  @Test
  void aDeploymentReadsBackAsLastWrittenAndOnlyInItsOrganisation() {
    DeploymentStore deployments = stores.deployments();
    Deployment first = deployments.create(new NewDeployment(orgA, "d", WORKFLOW, "{}", null, 60));
    assertEquals(Optional.of(first), deployments.get(orgA, first.id()));
    assertEquals(Optional.empty(), deployments.get(orgB, first.id()), "another organisation's, also once read");
    clock.advance(Duration.ofSeconds(1));
    Deployment second = deployments.upsert(first.id(), new NewDeployment(orgA, "d2", WORKFLOW, "{}", "L4", 90));
    assertEquals(Optional.of(second), deployments.get(orgA, first.id()), "an upsert replaces what reads see");
    assertEquals(first.createdAt(), second.createdAt());
    assertThrows(IllegalArgumentException.class,
        () -> deployments.upsert(first.id(), new NewDeployment(orgB, "x", WORKFLOW, "{}", null, 60)));
    assertEquals("d2", deployments.get(orgA, first.id()).orElseThrow().name());
    assertEquals(Optional.empty(), deployments.get(orgA, UUID.randomUUID()));
  }

  @Test
  void everythingSurvivesCloseAndReopen() {
    Run queued = queue(orgA, "A100");
    Run leasedRun = queue(orgA, null);
    Run cancelledRun = queue(orgB, null);
    Run leased = claim("w1", "T4");
    assertEquals(leasedRun.id(), leased.id());
    applied(runs.cancel(orgB, cancelledRun.id()));
    Deployment deployment = stores.deployments().create(new NewDeployment(orgA, "d", WORKFLOW, "{}", "L4", 60));
    Run before = runs.find(leased.id()).orElseThrow();

    stores.close();
    stores = open(clock);
    runs = stores.runs();

    assertEquals(before, runs.find(leased.id()).orElseThrow());
    assertEquals(RunStatus.QUEUED, runs.get(orgA, queued.id()).orElseThrow().status());
    assertEquals(RunStatus.CANCELLED, runs.get(orgB, cancelledRun.id()).orElseThrow().status());
    assertEquals(Optional.of(deployment), stores.deployments().get(orgA, deployment.id()));
    assertEquals(3, queue(orgA, null).number(), "numbering continues");
    assertEquals(queued.id(), claim("w2", "A100").id(), "the queue keeps its order");
    assertTrue(runs.updateProgress(leased.id(), leased.fencingToken(), 0.5, null).applied(), "leases survive");
  }

  protected static RunOutput output(UUID runId, String filename) {
    return new RunOutput(runId, 0, "9", "SaveImage", filename, "image/png", 10, "ab".repeat(32),
        runId + "/" + filename, null);
  }

  protected static Run applied(Transition transition) {
    return assertInstanceOf(Transition.Applied.class, transition, () -> "expected applied: " + transition).run();
  }

  protected static void assertRefused(Refusal reason, Transition transition, String what) {
    Transition.Refused refused = assertInstanceOf(Transition.Refused.class, transition, () -> what + ": " + transition);
    assertEquals(reason, refused.reason(), what);
    assertFalse(transition.applied());
  }
}
