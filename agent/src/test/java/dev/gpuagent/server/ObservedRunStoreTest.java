package dev.gpuagent.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.MutableClock;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import dev.gpuagent.server.store.StatusUpdate;
import dev.gpuagent.server.store.Stores;
import dev.gpuagent.server.store.Transition;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every transition the dispatcher applies reaches RunEvents (and so the webhooks) once. */
class ObservedRunStoreTest {
  private static final String WORKFLOW = "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{}}}";

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<String> heard = new ArrayList<>();
  private Stores stores;
  private ObservedRunStore runs;
  private UUID org;

  @BeforeEach
  void open() {
    stores = Stores.openSqlite(dir, clock);
    org = new JdbcIdentityStore(stores.database(), clock).createOrganisation("acme").id();
    runs = new ObservedRunStore(stores.runs(), new RunEvents() {
      @Override
      public void statusChanged(Run run) {
        heard.add(run.status().toString());
      }

      @Override
      public void progressed(Run run) {
        heard.add("progress " + run.progress());
      }
    }, Runnable::run);
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Test
  void aRunThroughItsLifeIsHeardAtEachStatusAndProgress() {
    Run queued = stores.runs().insert(NewRun.of(org, null, WORKFLOW));
    Run leased = runs.claimNext(List.of("CPU"), "worker-1", Duration.ofSeconds(30)).orElseThrow();
    long token = leased.fencingToken();
    runs.setStatus(StatusUpdate.progress(queued.id(), token, RunStatus.RUNNING, "Executing EmptyImage (1/2)"));
    runs.updateProgress(queued.id(), token, 0.5, "Executing SaveImage (2/2)");
    runs.setStatus(StatusUpdate.progress(queued.id(), token, RunStatus.RUNNING, "Executing SaveImage (2/2)"));
    assertInstanceOf(Transition.Applied.class,
        runs.setStatus(StatusUpdate.finish(queued.id(), token, RunStatus.SUCCESS, "done", "[]", null)));
    assertEquals(List.of(RunStatus.STARTED.toString(), RunStatus.RUNNING.toString(), "progress 0.5",
        "progress 0.5", RunStatus.SUCCESS.toString()), heard);
  }

  @Test
  void aRunQueuedAndClaimedInOneCommitIsHeardStartedOnly() {
    // The queueing is the API's to tell; the lease is the dispatcher's.
    runs.insertAndClaimAsync(NewRun.of(org, null, WORKFLOW), List.of("CPU"), "worker-1", Duration.ofSeconds(30)).join();
    assertEquals(List.of(RunStatus.STARTED.toString()), heard);
  }

  @Test
  void aListenerThatDoesNotWantARunIsNotToldOfIt() {
    List<String> told = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger handOffs = new java.util.concurrent.atomic.AtomicInteger();
    ObservedRunStore picky = new ObservedRunStore(stores.runs(), new RunEvents() {
      @Override
      public void statusChanged(Run run) {
        told.add(run.status().toString());
      }

      @Override
      public boolean wants(Run run) {
        return run.webhook() != null;
      }
    }, task -> {
      handOffs.incrementAndGet();
      task.run();
    });
    Run plain = stores.runs().insert(NewRun.of(org, null, WORKFLOW));
    Run leased = picky.claimNext(List.of("CPU"), "worker-1", Duration.ofSeconds(30)).orElseThrow();
    picky.setStatus(StatusUpdate.progress(plain.id(), leased.fencingToken(), RunStatus.RUNNING, "Executing"));
    assertEquals(List.of(), told);
    assertEquals(0, handOffs.get(), "no hand-off to the events thread for a run nobody listens to");
  }

  @Test
  void refusedTransitionsAreNotHeard() {
    Run queued = stores.runs().insert(NewRun.of(org, null, WORKFLOW));
    Run leased = runs.claimNext(List.of("CPU"), "worker-1", Duration.ofSeconds(30)).orElseThrow();
    heard.clear();
    runs.updateProgress(queued.id(), leased.fencingToken() + 99, 0.9, "stale");
    assertEquals(List.of(), heard);
  }

  @Test
  void expiredLeasesAndTimeoutsAreHeard() {
    stores.runs().insert(NewRun.of(org, null, WORKFLOW));
    runs.claimNext(List.of("CPU"), "worker-1", Duration.ofSeconds(30)).orElseThrow();
    clock.advance(Duration.ofSeconds(31));
    assertEquals(1, runs.requeueExpired(clock.instant()).requeued().size());
    assertEquals(List.of(RunStatus.STARTED.toString(), RunStatus.QUEUED.toString()), heard);
  }
}
