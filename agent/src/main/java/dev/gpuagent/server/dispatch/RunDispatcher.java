package dev.gpuagent.server.dispatch;

import dev.gpuagent.protocol.CancelReason;
import dev.gpuagent.protocol.Protocol;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.api.RunQueuedListener;
import dev.gpuagent.server.store.ExpiredLeases;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.RunStore;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push dispatcher (docs/protocol.md sections 3, 6, 7, 11, 13). All its state (connected workers,
 * slots, open leases) is owned by one thread: every event (a frame, a connect or disconnect, a
 * queued or cancelled run, the sweep) is a task on it, so a connection's frames are handled in
 * order and no lock is needed.
 *
 * <p>The thread never waits for a durable commit on the hot path: a claim, a worker's status change
 * or a renewal is handed to the store's group-commit writer, and what depends on its answer (sending
 * the lease, abandoning a stale one) continues on this thread once it is committed ({@link #then}).
 * So many runs share one fsync, and the writer's FIFO keeps each run's changes in the order the
 * frames came. A slot with a claim in flight counts as busy. Rare paths (hello, resume, the sweep)
 * still wait for their writes.
 */
public final class RunDispatcher implements RunQueuedListener, CancelNotifier, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunDispatcher.class);

  final RunStore runs;
  final DispatchSettings settings;
  final Clock clock;
  private final ScheduledExecutorService thread;
  final Map<String, WorkerConnection> workers = new HashMap<>();
  final Map<String, LeaseHold> leases = new HashMap<>();
  final ClosedLeases closed = new ClosedLeases(10_000);
  /**
   * The token each worker id said hello with, read by upload checks on HTTP threads. Kept after a
   * disconnect: a worker keeps uploading over HTTP while it reconnects (section 13).
   */
  final Map<String, UUID> workerTokens = new java.util.concurrent.ConcurrentHashMap<>();
  final LeaseOutputs outputs;
  private final LiveTokens tokens;
  private final WorkerMessages messages;
  private final DispatchMetrics metrics;
  /** A dispatchAll is queued on the thread (queued runs arriving together share one pass). */
  private final java.util.concurrent.atomic.AtomicBoolean dispatchQueued =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final QueueDepth depth = new QueueDepth();

  /** A dispatcher without output storage: outputs are recorded as the worker lists them. */
  public RunDispatcher(RunStore runs, DispatchSettings settings, Clock clock, DispatchMetrics metrics) {
    this(runs, settings, clock, metrics, LeaseOutputs.AS_LISTED, LiveTokens.ALL);
  }

  /**
   * {@code outputs}: the output storage's side of finished and re-queued leases; {@code tokens}: asked
   * every heartbeat interval whether the connected workers' tokens are still valid.
   */
  public RunDispatcher(RunStore runs, DispatchSettings settings, Clock clock, DispatchMetrics metrics,
      LeaseOutputs outputs, LiveTokens tokens) {
    this.runs = runs;
    this.outputs = java.util.Objects.requireNonNull(outputs, "outputs");
    this.tokens = java.util.Objects.requireNonNull(tokens, "tokens");
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics == null ? DispatchMetrics.NONE : metrics;
    this.thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("dispatch", true));
    this.messages = new WorkerMessages(this);
  }

  /**
   * Gives every open lease at least one TTL from now (the restart grace of section 6: its worker may
   * reconnect and resume it), then starts the sweeper; queued runs go to whoever connects.
   */
  public void start() {
    int extended = runs.extendOpenLeases(now().plus(settings.leaseTtl()));
    if (extended > 0) {
      LOG.info("{} open lease(s) from before the start expire in {} ms at the earliest, for their workers to resume",
          extended, settings.leaseTtl().toMillis());
    }
    submit("queue count", () -> depth.resync(runs.queueDepth())); // runs queued before this start
    long every = settings.sweepInterval().toMillis();
    thread.scheduleWithFixedDelay(() -> guarded("sweep", this::sweep), every, every, TimeUnit.MILLISECONDS);
    long heartbeat = settings.heartbeatInterval().toMillis();
    thread.scheduleWithFixedDelay(() -> guarded("token check", this::checkTokens), heartbeat, heartbeat,
        TimeUnit.MILLISECONDS);
  }

  public DispatchSettings settings() {
    return settings;
  }

  // ---- events from other threads ----

  /**
   * Rule 2 of the lease check for uploads (section 6): did worker {@code workerId} connect with the
   * token {@code tokenId}? Known from the worker's hello since this server started, so after a restart
   * a worker's uploads are refused (409) until it has reconnected. Safe from any thread.
   */
  public boolean connectedWith(String workerId, UUID tokenId) {
    return workerId != null && tokenId != null && tokenId.equals(workerTokens.get(workerId));
  }

  @Override
  public void queued(Run run) {
    depth.arrived(run);
    requestDispatch();
  }

  /**
   * Queues {@code run}: when a slot is free for it, the run is stored and leased to that slot in one
   * commit (the lease goes out once it is committed); otherwise it is stored and dispatched as usual.
   * The future completes once the run is durably queued (or fails as the insert failed).
   */
  @Override
  public CompletableFuture<Run> queue(RunStore apiRuns, NewRun run) {
    CompletableFuture<Run> answer = new CompletableFuture<>();
    try {
      thread.execute(() -> {
        try {
          queueNow(run, answer);
        } catch (RuntimeException e) { // the request must get an answer whatever happened here
          LOG.error("dispatcher: queueing a run failed", e);
          answer.completeExceptionally(e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return RunQueuedListener.super.queue(apiRuns, run); // closing: store it, a later start dispatches it
    }
    return answer;
  }

  private void queueNow(NewRun run, CompletableFuture<Run> answer) {
    WorkerConnection conn = null;
    WorkerConnection.Slot slot = null;
    for (Map.Entry<WorkerConnection.Slot, WorkerConnection> free : freeSlots()) {
      if (run.gpu() == null || run.gpu().equals(free.getKey().info.gpuType())) {
        slot = free.getKey();
        conn = free.getValue();
        break;
      }
    }
    // A run with a webhook takes two commits: its "queued" event (told by the API once the insert
    // returns) must reach the outbox before its "started" one (told when the claim commits).
    if (slot == null || run.webhook() != null) {
      runs.insertAsync(run).whenComplete((stored, failure) -> {
        if (failure != null) {
          answer.completeExceptionally(failure);
        } else {
          queued(stored);
          answer.complete(stored);
        }
      });
      return;
    }
    WorkerConnection owner = conn;
    WorkerConnection.Slot target = slot;
    target.claiming = true;
    depth.take(target.info.gpuType()); // an older run waiting for this slot goes first (the claim is FIFO)
    runs.insertAndClaimAsync(run, List.of(target.info.gpuType()), owner.workerId, settings.leaseTtl())
        .whenComplete((both, failure) -> {
          submit("queued and claimed", () -> {
            target.claiming = false;
            if (both != null) {
              both.claimed().ifPresent(claimed -> claimed(owner, target, claimed));
              if (!both.claimedItself()) {
                depth.arrived(both.queued());
                requestDispatch();
              }
            }
          });
          if (failure != null) {
            answer.completeExceptionally(failure);
          } else {
            answer.complete(both.queued());
          }
        });
  }

  /** The free slots of connected, non-draining workers: GPU slots first, then the slot free the longest. */
  private List<Map.Entry<WorkerConnection.Slot, WorkerConnection>> freeSlots() {
    List<Map.Entry<WorkerConnection.Slot, WorkerConnection>> free = new ArrayList<>();
    for (WorkerConnection conn : workers.values()) {
      if (conn.draining || conn.closed) {
        continue;
      }
      for (WorkerConnection.Slot slot : conn.slots.values()) {
        if (slot.isFree()) {
          free.add(Map.entry(slot, conn));
        }
      }
    }
    free.sort(Comparator.comparing((Map.Entry<WorkerConnection.Slot, WorkerConnection> e) -> e.getKey().isGpu() ? 0 : 1)
        .thenComparing(e -> e.getKey().freeSince));
    return free;
  }

  /** Queues one dispatch pass on the thread unless one is queued already (safe from any thread). */
  void requestDispatch() {
    if (dispatchQueued.compareAndSet(false, true)) {
      submit("dispatch", this::dispatchAll);
    }
  }

  @Override
  public void cancelled(Run run) {
    submit("cancel", () -> pushCancel(run, CancelReason.CANCELLED));
  }

  /**
   * A worker token was revoked: its live connections close with 1008 (their leases expire as usual).
   * The dispatcher also finds revoked tokens itself every heartbeat interval ({@link LiveTokens}).
   */
  public void tokenRevoked(UUID tokenId) {
    submit("revoke", () -> closeRevoked(tokenId));
  }

  private void closeRevoked(UUID tokenId) {
    for (WorkerConnection conn : List.copyOf(workers.values())) {
      if (conn.tokenId.equals(tokenId)) {
        LOG.info("{}: its worker token was revoked; closing (1008)", conn);
        conn.close(1008, "worker token revoked");
        detach(conn);
        workerTokens.remove(conn.workerId, tokenId);
      }
    }
  }

  /** Closes the connections whose token is no longer valid (revoked from the CLI, outside this server). */
  private void checkTokens() {
    java.util.Set<UUID> connected = new java.util.HashSet<>();
    for (WorkerConnection conn : workers.values()) {
      connected.add(conn.tokenId);
    }
    for (UUID tokenId : connected) {
      if (!tokens.live(tokenId)) {
        closeRevoked(tokenId);
      }
    }
  }

  void frame(WorkerConnection conn, byte[] utf8) {
    submit("frame", () -> messages.handle(conn, utf8));
  }

  void disconnected(WorkerConnection conn) {
    submit("disconnect", () -> detach(conn));
  }

  void helloDeadline(WorkerConnection conn) {
    submit("hello timeout", () -> {
      if (!conn.helloDone() && !conn.closed) {
        LOG.info("{} sent no hello within {} ms; closing", conn, settings.helloTimeout().toMillis());
        conn.close(Protocol.CLOSE_HELLO_TIMEOUT, "no hello");
      }
    });
  }

  private void submit(String what, Runnable task) {
    try {
      thread.execute(() -> guarded(what, task));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("dispatcher closed; dropped {}", what);
    }
  }

  private static void guarded(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("dispatcher: {} failed", what, e);
    }
  }

  /** Runs {@code task} on the dispatcher thread and waits for it (tests, metrics). */
  <T> T call(java.util.concurrent.Callable<T> task) {
    try {
      return thread.submit(task).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("dispatcher call failed", e);
    }
  }

  /**
   * Continues with {@code next} on the dispatcher thread once {@code change} (a store write) completes;
   * a failed write is logged and {@code failed} runs instead.
   */
  <T> void then(String what, java.util.concurrent.CompletableFuture<T> change, java.util.function.Consumer<T> next,
      Runnable failed) {
    change.whenComplete((value, failure) -> submit(what, () -> {
      if (failure == null) {
        next.accept(value);
      } else {
        LOG.error("dispatcher: {} failed in the store: {}", what, failure.toString());
        failed.run();
      }
    }));
  }

  <T> void then(String what, java.util.concurrent.CompletableFuture<T> change, java.util.function.Consumer<T> next) {
    then(what, change, next, () -> { });
  }

  // ---- on the dispatcher thread ----

  Instant now() {
    return clock.instant();
  }

  /** Drops a connection's slots; its leases stay open until they expire or the worker resumes them. */
  void detach(WorkerConnection conn) {
    conn.closed = true;
    if (conn.workerId != null && workers.get(conn.workerId) == conn) {
      workers.remove(conn.workerId);
      countConnections();
      LOG.info("{} disconnected", conn);
    }
  }

  /**
   * Claims a queued run for each free slot while the queue depth says one matches. The claims go to
   * the store together (one commit); each slot counts as busy until its claim is answered.
   */
  void dispatchAll() {
    dispatchQueued.set(false);
    metrics.queueDepth(depth.snapshot());
    if (!depth.anyWaiting()) {
      return;
    }
    for (Map.Entry<WorkerConnection.Slot, WorkerConnection> free : freeSlots()) {
      if (depth.take(free.getKey().info.gpuType()) != null) {
        claim(free.getValue(), free.getKey());
      }
    }
  }

  private void claim(WorkerConnection conn, WorkerConnection.Slot slot) {
    slot.claiming = true;
    String type = slot.info.gpuType();
    long sentAt = depth.generation();
    then("claim", runs.claimNextAsync(List.of(type), conn.workerId, settings.leaseTtl()), claimed -> {
      slot.claiming = false;
      if (claimed.isPresent()) {
        claimed(conn, slot, claimed.get());
      } else if (!depth.emptied(type, sentAt)) {
        requestDispatch(); // a run queued while the claim was in flight may have been missed by it
      }
    }, () -> slot.claiming = false);
  }

  /** A claim committed: the lease goes out, unless the slot went away meanwhile (then the run goes back). */
  private void claimed(WorkerConnection conn, WorkerConnection.Slot slot, Run run) {
    if (conn.closed || conn.draining || workers.get(conn.workerId) != conn || conn.slots.get(slot.info.slotId()) != slot
        || slot.hold != null) {
      LOG.info("run {}: its slot went away before the lease was sent; re-queued", run.id());
      then("give back", runs.releaseAsync(run.id(), run.fencingToken(), "re-queued: the slot went away"),
          t -> requeued(t.applied() ? List.of(run) : List.of()));
      return;
    }
    grant(conn, slot, run);
  }

  private void grant(WorkerConnection conn, WorkerConnection.Slot slot, Run run) {
    Instant now = now();
    LeaseHold hold = new LeaseHold(run.gpuEventId(), run.id(), run.fencingToken(), conn.workerId,
        slot.info.slotId(), run.leaseExpiresAt() == null ? now.plus(settings.leaseTtl()) : run.leaseExpiresAt());
    leases.put(hold.leaseId, hold);
    slot.hold = hold;
    conn.send(LeaseMessages.lease(run, slot.info.slotId(), now, false));
    metrics.dispatched(run, now);
    LOG.debug("leased run {} (attempt {}) to {} slot {}", run.id(), run.attempt(), conn, slot.info.slotId());
  }

  /** Runs went back to the queue (a release, an expiry): count them and dispatch. */
  void requeued(List<Run> back) {
    back.forEach(depth::arrived);
    requestDispatch();
  }

  /** Closes a lease in the dispatcher's books and frees its slot. */
  void closeLease(LeaseHold hold, String why) {
    if (leases.remove(hold.leaseId) == null) {
      return;
    }
    closed.put(hold.leaseId, why);
    hold.closed = true;
    leaveSlot(hold);
  }

  /**
   * {@code hold}'s run no longer occupies its slot (its lease closed, or only its uploads remain):
   * the slot is free for the next lease. Returns whether it freed the slot; the caller asks for a
   * dispatch.
   */
  boolean leaveSlot(LeaseHold hold) {
    WorkerConnection conn = workers.get(hold.workerId);
    WorkerConnection.Slot slot = conn == null ? null : conn.slots.get(hold.slotId);
    if (slot == null || slot.hold != hold) {
      return false;
    }
    slot.hold = null;
    slot.freeSince = now();
    return true;
  }

  /** The connection of the worker holding {@code hold}, if it is connected. */
  Optional<WorkerConnection> holder(LeaseHold hold) {
    return Optional.ofNullable(workers.get(hold.workerId)).filter(c -> !c.closed);
  }

  private void pushCancel(Run run, CancelReason reason) {
    if (run.gpuEventId() == null) {
      return;
    }
    LeaseHold hold = leases.get(run.gpuEventId());
    if (hold == null || !hold.runId.equals(run.id())) {
      return;
    }
    hold.ending = true;
    holder(hold).ifPresent(conn -> conn.send(
        new ServerMessage.Cancel(hold.leaseId, hold.runId.toString(), hold.fencingToken, reason)));
    LOG.info("run {} {}: told {}", run.id(), reason.wire(), hold.workerId);
  }

  /** Expires overdue leases (re-queue or fail), times out overdue runs, frees confirmed-dead slots, dispatches. */
  void sweep() {
    Instant now = now();
    ExpiredLeases expired = runs.requeueExpired(now);
    discardFiles(expired);
    List<Run> gone = new ArrayList<>(expired.requeued());
    gone.addAll(expired.failed());
    for (Run run : gone) {
      for (LeaseHold hold : List.copyOf(leases.values())) {
        if (hold.runId.equals(run.id()) && !hold.ending) {
          closeLease(hold, "lease_expired");
          holder(hold).ifPresent(conn -> conn.send(new ServerMessage.Abandon(hold.leaseId, hold.runId.toString(),
              "lease_expired", "the lease expired; the run was " + (expired.failed().contains(run)
                  ? "failed" : "re-queued as attempt " + (run.attempt() + 1)))));
        }
      }
    }
    for (Run run : runs.timeoutOverdue(now)) {
      pushCancel(run, CancelReason.TIMEOUT);
    }
    for (LeaseHold hold : List.copyOf(leases.values())) {
      if (hold.ending && !now.isBefore(hold.expiresAt)) {
        closeLease(hold, "lease_expired");
      }
    }
    // The store's count corrects the estimate (claims in flight are still in it: at worst one empty claim).
    depth.resync(runs.queueDepth());
    dispatchAll();
  }

  /** Expires {@code workerId}'s leases among {@code leaseIds} at once (as if their TTL had run out). */
  void expireNow(String workerId, List<LeaseHold> holds) {
    List<String> ids = new ArrayList<>();
    for (LeaseHold hold : holds) {
      if (hold.ending) {
        closeLease(hold, "lease_expired");
      } else {
        ids.add(hold.leaseId);
        hold.expiresAt = now();
      }
    }
    if (!ids.isEmpty()) {
      // The store expires leases by time only: move these to expire now, then sweep just past it (the
      // store keeps milliseconds, so the margin covers truncation; a lease due within it is due anyway).
      runs.renewLeases(workerId, ids, java.time.Duration.ofMillis(1));
      Instant later = now().plusMillis(10);
      ExpiredLeases expired = runs.requeueExpired(later);
      discardFiles(expired);
      expired.requeued().forEach(depth::arrived);
      for (LeaseHold hold : holds) {
        closeLease(hold, "lease_expired");
      }
      LOG.info("expired {} lease(s) of {} not resumed ({} re-queued, {} failed)", ids.size(), workerId,
          expired.requeued().size(), expired.failed().size());
    }
  }

  /** The files uploaded under the closed leases of re-queued runs are deleted (section 6, "Re-queue"). */
  private void discardFiles(ExpiredLeases expired) {
    for (Run run : expired.requeued()) {
      outputs.discard(run.id(), run.fencingToken());
    }
  }

  /** The lease id, stable for (token, name): the run record's {@code machine_id}. */
  static String workerId(UUID tokenId, String name) {
    return UUID.nameUUIDFromBytes((tokenId + "/" + name).getBytes(StandardCharsets.UTF_8)).toString();
  }

  void slotsOffered(WorkerConnection conn, List<SlotInfo> slots) {
    Instant now = now();
    for (SlotInfo info : slots) {
      conn.slots.put(info.slotId(), new WorkerConnection.Slot(info, now));
    }
  }

  /** Updates the connection gauges after a connect or disconnect. */
  void countConnections() {
    int slots = 0;
    for (WorkerConnection conn : workers.values()) {
      slots += conn.slots.size();
    }
    metrics.connections(workers.size(), slots);
  }

  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
