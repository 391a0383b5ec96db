package dev.gpuagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressCoalescerTest {
  private static final long MS = 1_000_000L;

  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final List<String> sent = new ArrayList<>();
  private final ProgressCoalescer<String> coalescer =
      new ProgressCoalescer<>(Duration.ofMillis(50), now::get, (run, update) -> sent.add(run + ":" + update));

  private void advance(long millis) {
    now.addAndGet(millis * MS);
  }

  @Test
  void firstUpdateOfARunGoesOutAtOnce() {
    coalescer.offer("r1", "0.1");
    assertEquals(List.of("r1:0.1"), sent);
  }

  @Test
  void updatesWithinTheIntervalCoalesceAndTheLatestWins() {
    coalescer.offer("r1", "0.1");
    advance(10);
    coalescer.offer("r1", "0.2");
    advance(10);
    coalescer.offer("r1", "0.3");
    assertEquals(List.of("r1:0.1"), sent);
    advance(10);
    assertEquals(20 * MS, coalescer.flushDue(), "30 ms after the emission, 20 ms remain");
    assertEquals(List.of("r1:0.1"), sent);
    advance(20);
    assertEquals(-1, coalescer.flushDue());
    assertEquals(List.of("r1:0.1", "r1:0.3"), sent);
  }

  @Test
  void theIntervalCountsFromTheLastEmission() {
    coalescer.offer("r1", "a");
    advance(49);
    coalescer.offer("r1", "b");
    advance(1);
    coalescer.offer("r1", "c"); // 50 ms after "a": due, goes out at once and supersedes "b"
    assertEquals(List.of("r1:a", "r1:c"), sent);
    assertEquals(-1, coalescer.flushDue());
    advance(60);
    coalescer.offer("r1", "d");
    assertEquals(List.of("r1:a", "r1:c", "r1:d"), sent);
  }

  @Test
  void atMostOneEmissionPerIntervalUnderAFlood() {
    List<long[]> emissions = new ArrayList<>(); // {time ms, value}
    int[] latest = {-1};
    ProgressCoalescer<Integer> flood = new ProgressCoalescer<>(Duration.ofMillis(50), now::get,
        (run, update) -> emissions.add(new long[] {now.get() / MS, update}));
    long start = now.get() / MS;
    for (int i = 0; i < 1000; i++) {
      flood.offer("r1", i);
      latest[0] = i;
      advance(1);
      flood.flushDue();
    }
    // An update every 1 ms for 1000 ms at a 50 ms interval: emissions at 0, 50, ..., 1000 ms.
    assertEquals(21, emissions.size());
    assertEquals(start, emissions.get(0)[0]);
    for (int i = 1; i < emissions.size(); i++) {
      assertEquals(50, emissions.get(i)[0] - emissions.get(i - 1)[0], "spacing before emission " + i);
      assertEquals(emissions.get(i)[0] - start - 1, emissions.get(i)[1], "emission " + i + " is the newest update");
    }
    assertEquals(latest[0], emissions.get(emissions.size() - 1)[1]);
  }

  @Test
  void finishSendsThePendingUpdateAtOnceAndForgetsTheRun() {
    coalescer.offer("r1", "0.1");
    advance(5);
    coalescer.offer("r1", "0.9");
    coalescer.finish("r1");
    assertEquals(List.of("r1:0.1", "r1:0.9"), sent);
    assertEquals(0, coalescer.trackedRuns());
    advance(100);
    assertEquals(-1, coalescer.flushDue());
    assertEquals(2, sent.size());
  }

  @Test
  void finishWithAFinalUpdateSupersedesThePendingOne() {
    coalescer.offer("r1", "0.1");
    coalescer.offer("r1", "0.5");
    coalescer.finish("r1", "1.0");
    assertEquals(List.of("r1:0.1", "r1:1.0"), sent);
    coalescer.finish("r2", "1.0"); // a run never offered still gets its final update
    assertEquals(List.of("r1:0.1", "r1:1.0", "r2:1.0"), sent);
    assertEquals(0, coalescer.trackedRuns());
  }

  @Test
  void finishWithNothingPendingSendsNothing() {
    coalescer.offer("r1", "0.1");
    coalescer.finish("r1");
    coalescer.finish("unknown");
    assertEquals(List.of("r1:0.1"), sent);
  }

  @Test
  void flushSendsThePendingUpdateNowAndRestartsTheInterval() {
    coalescer.offer("r1", "a");
    advance(10);
    coalescer.offer("r1", "b");
    coalescer.flush("r1"); // before a node event
    assertEquals(List.of("r1:a", "r1:b"), sent);
    coalescer.flush("r1");
    assertEquals(2, sent.size(), "nothing pending, nothing sent");
    advance(40);
    coalescer.offer("r1", "c"); // 40 ms after the flush: kept
    assertEquals(2, sent.size());
    advance(10);
    coalescer.flushDue();
    assertEquals(List.of("r1:a", "r1:b", "r1:c"), sent);
  }

  @Test
  void discardDropsThePendingUpdate() {
    coalescer.offer("r1", "a");
    coalescer.offer("r1", "b");
    coalescer.discard("r1");
    advance(100);
    coalescer.flushDue();
    coalescer.finish("r1");
    assertEquals(List.of("r1:a"), sent);
    assertEquals(0, coalescer.trackedRuns());
  }

  @Test
  void runsAreCoalescedIndependently() {
    coalescer.offer("r1", "a");
    coalescer.offer("r2", "x");
    advance(10);
    coalescer.offer("r1", "b");
    coalescer.offer("r2", "y");
    advance(30);
    coalescer.offer("r3", "p");
    assertEquals(List.of("r1:a", "r2:x", "r3:p"), sent);
    advance(10);
    coalescer.flushDue();
    assertEquals(List.of("r1:a", "r2:x", "r3:p"), sent.subList(0, 3));
    assertEquals(java.util.Set.of("r1:b", "r2:y"), java.util.Set.copyOf(sent.subList(3, sent.size())));
    assertEquals(3, coalescer.trackedRuns());
  }

  @Test
  void flushDueReportsTheNearestPendingDeadline() {
    assertEquals(-1, coalescer.flushDue());
    coalescer.offer("r1", "a");
    advance(10);
    coalescer.offer("r2", "x");
    advance(5);
    coalescer.offer("r1", "b"); // due at 50 ms
    coalescer.offer("r2", "y"); // due at 60 ms
    assertEquals(35 * MS, coalescer.flushDue());
  }

  @Test
  void aZeroIntervalPassesEveryUpdateThrough() {
    ProgressCoalescer<String> passThrough =
        new ProgressCoalescer<>(Duration.ZERO, now::get, (run, update) -> sent.add(update));
    passThrough.offer("r", "a");
    passThrough.offer("r", "b");
    passThrough.offer("r", "c");
    assertEquals(List.of("a", "b", "c"), sent);
  }

  @Test
  void anOfferAfterFinishStartsAFreshWindow() {
    coalescer.offer("r1", "a");
    coalescer.finish("r1");
    coalescer.offer("r1", "b");
    assertEquals(List.of("r1:a", "r1:b"), sent);
  }

  @Test
  void aFailingSinkNeverReachesTheEngineThread() {
    List<String> got = new ArrayList<>();
    ProgressCoalescer<String> flaky = new ProgressCoalescer<>(Duration.ofMillis(50), now::get, (run, update) -> {
      got.add(update);
      throw new IllegalStateException("connection closed");
    });
    flaky.offer("r", "a");
    advance(60);
    flaky.offer("r", "b");
    flaky.finish("r", "c");
    assertEquals(List.of("a", "b", "c"), got);
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class,
        () -> new ProgressCoalescer<String>(Duration.ofMillis(-1), now::get, (r, u) -> {}));
    assertThrows(NullPointerException.class, () -> coalescer.offer("r", null));
  }

  @Test
  void aTimerSendsThePendingUpdateWithoutAnotherOffer() throws InterruptedException {
    CountDownLatch trailing = new CountDownLatch(1);
    List<String> got = new CopyOnWriteArrayList<>();
    ProgressCoalescer<String> real = new ProgressCoalescer<>(Duration.ofMillis(20), (run, update) -> {
      got.add(update);
      if (update.equals("last")) {
        trailing.countDown();
      }
    });
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      real.scheduleOn(timer);
      real.offer("r", "first");
      real.offer("r", "last");
      assertTrue(trailing.await(5, TimeUnit.SECONDS), "pending update never sent: " + got);
      assertEquals(List.of("first", "last"), got);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void concurrentRunsEndWithTheirLatestUpdateInOrder() throws InterruptedException {
    int runs = 4;
    int updates = 20_000;
    Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
    ProgressCoalescer<Integer> shared = new ProgressCoalescer<>(Duration.ofNanos(20_000),
        (run, update) -> seen.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>()).add(update));
    Thread flusher = Thread.ofPlatform().start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        shared.flushDue();
      }
    });
    List<Thread> engines = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      String run = "run" + r;
      engines.add(Thread.ofPlatform().start(() -> {
        for (int i = 1; i <= updates; i++) {
          shared.offer(run, i);
        }
        shared.finish(run);
      }));
    }
    for (Thread engine : engines) {
      engine.join(30_000);
    }
    flusher.interrupt();
    flusher.join(5_000);
    for (int r = 0; r < runs; r++) {
      List<Integer> got = seen.get("run" + r);
      assertEquals(updates, got.get(got.size() - 1), "the last update of run" + r + " was lost");
      for (int i = 1; i < got.size(); i++) {
        assertTrue(got.get(i) > got.get(i - 1), "run" + r + " emitted out of order at " + i);
      }
    }
    assertEquals(0, shared.trackedRuns());
  }
}
