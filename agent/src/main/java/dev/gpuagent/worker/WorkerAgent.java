package dev.gpuagent.worker;

import dev.gpuagent.engine.HostAllowList;
import dev.gpuagent.engine.LocalInputs;
import dev.gpuagent.engine.RunResult;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.protocol.Backoff;
import dev.gpuagent.protocol.LeaseRef;
import dev.gpuagent.protocol.ProgressCoalescer;
import dev.gpuagent.protocol.Protocol;
import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.protocol.ProtocolException;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.SlotStatus;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.workflow.WorkflowLimits;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker: keeps one connection to the server (reconnecting with backoff), offers its slots,
 * takes leases and runs them on their slots' threads, reports what happens, and drains on request.
 * It follows docs/protocol.md; the section numbers in comments refer to it.
 *
 * <p>Threads: a connector thread (connect, hello, wait, back off, again); the Netty event loop, which
 * handles the server's frames in order; one thread per slot; a timer for heartbeats, progress
 * coalescing, upload retries and the drain timeout. Shared state (the leases, the connection, the
 * slots' current leases, draining) is guarded by one lock; nothing slow happens under it.
 */
public final class WorkerAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerAgent.class);
  /** After a forced drain, how long slot threads get to stop before the process exits anyway. */
  private static final long FORCED_STOP_WAIT_MS = 5_000;

  /** What the agent tells its host process (systemd notifications, logs). */
  public interface Lifecycle {
    /** A welcome arrived; {@code first} only the first time in the process's life. */
    default void registered(String workerId, boolean first) {}

    /** A heartbeat went out on a live connection (systemd's WATCHDOG=1). */
    default void reachable() {}

    /** The drain began (systemd's STOPPING=1). */
    default void drainStarted(String reason) {}

    /** A line for people (systemd's STATUS=). */
    default void status(String text) {}

    Lifecycle NONE = new Lifecycle() {};
  }

  /** Sees every engine event of every run, on the slot thread (benchmarks measure with it). */
  @FunctionalInterface
  public interface RunObserver {
    void on(String runId, dev.gpuagent.engine.RunEvent event);
  }

  private final WorkerSettings settings;
  private final String version;
  private final Lifecycle lifecycle;
  private final WorkerMetrics metrics;
  private final ProtocolCodec codec = new ProtocolCodec();
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final EventLoopGroup eventLoop;
  private final ScheduledExecutorService timer;
  private final HttpPutClient uploadClient;
  private final LocalInputs inputs;
  private final LeaseExecution execution;
  private final Random random = new Random();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final long startedNanos = System.nanoTime();
  private Thread connector;

  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, LeaseRun> leases = new LinkedHashMap<>();
  private ServerLink link;
  private ServerMessage.Welcome welcome;
  private boolean everWelcomed;
  private long disconnectedSinceNanos = System.nanoTime();
  private boolean draining;
  private String drainReason;
  private boolean forced;
  private ScheduledFuture<?> heartbeats;
  private long heartbeatNanos;
  private volatile boolean shutdown;
  private volatile ProgressCoalescer<WorkerMessage.Progress> coalescer;
  private volatile String workerId;

  public WorkerAgent(WorkerSettings settings, List<SlotRuntime> runtimes, NodeRegistry registry, Metrics metrics,
      String version, Lifecycle lifecycle) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.version = version;
    this.lifecycle = lifecycle == null ? Lifecycle.NONE : lifecycle;
    if (runtimes.isEmpty()) {
      throw new IllegalArgumentException("a worker needs at least one slot");
    }
    this.metrics = new WorkerMetrics(metrics);
    for (SlotRuntime runtime : runtimes) {
      Slot slot = new Slot(runtime);
      slots.put(slot.id(), slot);
      this.metrics.slot(slot, () -> {
        synchronized (lock) {
          return slot.lease != null;
        }
      });
    }
    this.metrics.connection(this::connected);
    this.eventLoop = new NioEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> daemon(r, "worker-link"));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "worker-timer"));
    this.uploadClient = new HttpPutClient(eventLoop);
    this.inputs = new LocalInputs(settings.inputDir().toAbsolutePath(), HostAllowList.of(settings.allowUrlHosts()),
        LocalInputs.DEFAULT_MAX_BYTES, LocalInputs.DEFAULT_TIMEOUT);
    Uploads uploads = new Uploads(uploadClient, settings.token(), timer, random);
    this.execution = new LeaseExecution(registry, WorkflowLimits.DEFAULT, uploads, settings.server(), inputs,
        new Reports(), this.metrics);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts connecting; returns at once. */
  public WorkerAgent start() {
    connector = daemon(this::connectLoop, "worker-connector");
    connector.start();
    timer.scheduleAtFixedRate(this::trimIdleSlots, 30, 30, TimeUnit.SECONDS);
    return this;
  }

  /** Sets the observer of the runs' engine events; call before {@link #start}. */
  public WorkerAgent observe(RunObserver observer) {
    execution.observe(Objects.requireNonNull(observer, "observer"));
    return this;
  }

  /** Completes with the process's exit status once the worker stopped: 0 after a clean drain, 143 forced. */
  public CompletableFuture<Integer> exited() {
    return exit;
  }

  /** Registered with the server right now. */
  public boolean connected() {
    synchronized (lock) {
      return link != null;
    }
  }

  /** The id the server gave this worker, or null before the first welcome. */
  public String workerId() {
    return workerId;
  }

  /** The slots offered in {@code hello}. */
  public List<SlotInfo> slots() {
    return slots.values().stream().map(Slot::info).toList();
  }

  /** Slots running a lease now. */
  public int busySlots() {
    synchronized (lock) {
      return (int) slots.values().stream().filter(s -> s.lease != null).count();
    }
  }

  /**
   * Healthy unless the server has been unreachable for longer than the lease TTL (its leases are
   * gone by then) or a device is unhealthy; the reason otherwise.
   */
  public String unhealthyReason() {
    for (Slot slot : slots.values()) {
      if (!slot.runtime.healthy()) {
        return "slot " + slot.id() + " is unhealthy: " + slot.runtime.unhealthyReason();
      }
    }
    synchronized (lock) {
      long ttl = welcome == null ? Protocol.DEFAULT_LEASE_TTL.toNanos()
          : TimeUnit.MILLISECONDS.toNanos(welcome.leaseTtlMs());
      if (link == null && System.nanoTime() - disconnectedSinceNanos > ttl) {
        return "the server has been unreachable for "
            + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - disconnectedSinceNanos) + " s";
      }
    }
    return null;
  }

  // ---- connection ----

  private void connectLoop() {
    int failures = 0;
    boolean first = true;
    boolean refused = false;
    while (!shutdown) {
      if (!first) {
        long delayMs = refused ? Backoff.RECONNECT.cap().toMillis() : Backoff.RECONNECT.delay(failures, random).toMillis();
        if (!sleep(delayMs)) {
          break;
        }
        metrics.reconnected();
      }
      first = false;
      ServerLink opened;
      try {
        opened = ServerLink.open(eventLoop, settings.connectUri(), settings.token(), Protocol.DEFAULT_MAX_FRAME_BYTES,
            new LinkListener()).get(20, TimeUnit.SECONDS);
        refused = false;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        refused = cause instanceof ServerLink.RefusedException r && r.status() == 401;
        if (refused) {
          LOG.error("{} (is the worker token valid? `gpu-agent tokens create` makes one); retrying in {} s",
              cause.getMessage(), Backoff.RECONNECT.cap().toSeconds());
        } else if (failures == 0 || LOG.isDebugEnabled()) {
          LOG.warn("cannot reach the server at {}: {}", settings.server(), String.valueOf(cause));
        }
        failures++;
        continue;
      } catch (TimeoutException e) {
        LOG.warn("connecting to {} timed out", settings.server());
        failures++;
        continue;
      } catch (InterruptedException e) {
        break;
      }
      if (shutdown) {
        opened.close(1001, "worker stopping");
        break;
      }
      opened.send(codec.encode(hello()));
      opened.closed().join();
      boolean wasWelcomed = disconnected(opened);
      failures = wasWelcomed ? 0 : failures + 1;
    }
  }

  private boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
      return !shutdown;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** The hello for a new connection; leases to resume wait for the server's answer (section 13). */
  private WorkerMessage.Hello hello() {
    List<LeaseRef> resume = new ArrayList<>();
    synchronized (lock) {
      long ttl = welcome == null ? Protocol.DEFAULT_LEASE_TTL.toNanos() : TimeUnit.MILLISECONDS.toNanos(welcome.leaseTtlMs());
      long now = System.nanoTime();
      for (var it = leases.values().iterator(); it.hasNext(); ) {
        LeaseRun run = it.next();
        boolean recentFinal = run.finalMessage != null && (run.finalSentNanos == 0 || now - run.finalSentNanos < ttl);
        if (!run.detached && (run.active() || recentFinal)) {
          run.awaitingResume = true;
          resume.add(run.ref());
        } else if (run.stopped || run.detached) {
          it.remove();
        }
      }
    }
    return new WorkerMessage.Hello(Protocol.VERSION, settings.name(), version, settings.labels(), slots(), resume);
  }

  /** The connection closed; returns whether it had been welcomed. */
  private boolean disconnected(ServerLink closed) {
    synchronized (lock) {
      if (link != closed) {
        return false;
      }
      link = null;
      disconnectedSinceNanos = System.nanoTime();
      if (heartbeats != null) {
        heartbeats.cancel(false);
        heartbeats = null;
      }
      return true;
    }
  }

  private final class LinkListener implements ServerLink.Listener {
    @Override
    public void onText(ServerLink from, String text) {
      ServerMessage message;
      try {
        message = codec.decodeServerMessage(text);
      } catch (ProtocolException e) {
        LOG.warn("ignoring an invalid frame from the server: {}", e.getMessage());
        return;
      }
      if (message == null) {
        return; // a type this worker does not know (section 2)
      }
      switch (message) {
        case ServerMessage.Welcome w -> welcomed(from, w);
        case ServerMessage.Lease l -> leased(from, l);
        case ServerMessage.Cancel c -> cancel(c);
        case ServerMessage.Abandon a -> abandon(a);
        case ServerMessage.Drain d -> drain("server_request");
        case ServerMessage.ProtocolError e -> {
          if (e.fatal()) {
            LOG.error("the server refused this worker: {} ({})", e.message(), e.code());
          } else {
            LOG.warn("the server could not use a frame: {} ({})", e.message(), e.code());
          }
        }
      }
    }

    @Override
    public void onClosed(ServerLink from, int code, String reason) {
      if (code == 1008) {
        LOG.error("the server closed the connection: the worker token was revoked");
      } else if (code == Protocol.CLOSE_REPLACED) {
        LOG.warn("the server closed the connection: another worker connected with the same token and name");
      } else if (!shutdown) {
        LOG.warn("connection to the server closed ({}{}); reconnecting", code < 0 ? "no close frame" : "code " + code,
            reason == null || reason.isBlank() ? "" : ": " + reason);
      }
    }
  }

  private void welcomed(ServerLink from, ServerMessage.Welcome w) {
    boolean first;
    boolean sendDrain;
    synchronized (lock) {
      first = !everWelcomed;
      everWelcomed = true;
      welcome = w;
      workerId = w.workerId();
      link = from;
      if (coalescer == null) {
        coalescer = new ProgressCoalescer<>(Duration.ofMillis(w.progressIntervalMs()),
            (key, update) -> reportByLease(key, update));
        coalescer.scheduleOn(timer);
      }
      long period = TimeUnit.MILLISECONDS.toNanos(w.heartbeatIntervalMs());
      if (heartbeats != null) {
        heartbeats.cancel(false);
      }
      heartbeatNanos = period;
      heartbeats = timer.scheduleAtFixedRate(this::heartbeat, period, period, TimeUnit.NANOSECONDS);
      sendDrain = draining;
    }
    LOG.info("registered with {} as worker {} ({} slot(s): {})", settings.server(), w.workerId(), slots.size(),
        String.join(", ", slots.keySet()));
    lifecycle.registered(w.workerId(), first);
    lifecycle.status("connected to " + settings.server() + " as " + w.workerId());
    if (sendDrain) {
      send(new WorkerMessage.DrainStarted(settings.drainTimeout().toMillis(), drainReason));
    }
  }

  private void send(WorkerMessage message) {
    synchronized (lock) {
      if (link != null) {
        link.send(codec.encode(message));
      }
    }
  }

  // ---- leases (sections 5, 11, 13) ----

  private void leased(ServerLink from, ServerMessage.Lease lease) {
    LeaseRun run;
    synchronized (lock) {
      if (lease.resumed()) {
        LeaseRun held = leases.get(lease.leaseId());
        if (held == null || held.detached) {
          sendLocked(new WorkerMessage.LeaseReleased(lease.leaseId(), lease.runId(), lease.fencingToken(), "not_running"));
          return;
        }
        held.awaitingResume = false;
        flushBufferedLocked(held);
        LOG.info("resumed {}", held);
        return;
      }
      if (leases.containsKey(lease.leaseId())) {
        return; // a duplicate delivery of a lease already taken
      }
      Slot slot = slots.get(lease.slotId());
      String refusal = draining ? "draining" : slot == null ? "unknown_slot"
          : !slot.runtime.healthy() ? "slot_unhealthy" : slot.lease != null ? "slot_busy" : null;
      if (refusal != null) {
        LOG.info("handing back lease {} of run {}: {}", lease.leaseId(), lease.runId(), refusal);
        sendLocked(new WorkerMessage.LeaseReleased(lease.leaseId(), lease.runId(), lease.fencingToken(), refusal));
        return;
      }
      run = new LeaseRun(lease, slot, System.nanoTime());
      leases.put(lease.leaseId(), run);
      slot.lease = run;
      slot.queued++;
      sendLocked(new WorkerMessage.LeaseAck(lease.leaseId(), lease.runId(), lease.fencingToken()));
    }
    LOG.debug("leased {}", run);
    run.slot.execute(() -> execution.run(run));
  }

  private void cancel(ServerMessage.Cancel cancel) {
    LeaseRun run;
    synchronized (lock) {
      run = leases.get(cancel.leaseId());
      if (run == null || run.lease.fencingToken() != cancel.fencingToken() || run.detached
          || run.finalMessage != null) {
        return; // section 11: a cancel for a finished or unknown lease is ignored
      }
      run.cancelReason = cancel.reason();
      run.cancelRequestedNanos = System.nanoTime();
    }
    LOG.info("cancelling {} ({})", run, cancel.reason().wire());
    run.token.cancel(cancel.reason().wire());
  }

  private void abandon(ServerMessage.Abandon abandon) {
    LeaseRun run;
    synchronized (lock) {
      run = leases.remove(abandon.leaseId());
      if (run == null) {
        return;
      }
      run.detached = true;
      if (run.slot.lease == run) {
        run.slot.lease = null;
      }
    }
    ProgressCoalescer<WorkerMessage.Progress> progress = coalescer;
    if (progress != null) {
      progress.discard(run.leaseId());
    }
    if (!run.stopped) {
      LOG.warn("abandoning {}: {} ({})", run, abandon.reason(), abandon.message());
    }
    run.token.cancel("abandoned: " + abandon.reason());
    checkDrained();
  }

  /** Sends a run message now, or keeps what must survive a disconnect (section 13). Caller holds the lock. */
  private void reportLocked(LeaseRun run, WorkerMessage message) {
    if (run.detached) {
      return;
    }
    boolean isFinal = message instanceof WorkerMessage.RunFinished || message instanceof WorkerMessage.LeaseReleased;
    if (isFinal) {
      if (run.finalMessage != null) {
        return; // the first final message wins (a released lease sends no run_finished)
      }
      run.finalMessage = message;
    } else if (run.finalMessage != null) {
      return; // nothing after run_finished or lease_released (section 9)
    }
    if (link == null || run.awaitingResume || !link.send(codec.encode(message))) {
      switch (message) {
        case WorkerMessage.Progress p -> run.unsentProgress = p;
        case WorkerMessage.Uploading u -> run.unsentUploading = u;
        default -> { } // node events are dropped; the final message is kept in finalMessage
      }
      return;
    }
    if (isFinal) {
      run.finalSentNanos = System.nanoTime();
    } else if (message instanceof WorkerMessage.Progress) {
      run.unsentProgress = null;
    }
  }

  private void flushBufferedLocked(LeaseRun run) {
    if (link == null) {
      return;
    }
    if (run.unsentProgress != null && run.finalMessage == null) {
      link.send(codec.encode(run.unsentProgress));
    }
    run.unsentProgress = null;
    if (run.unsentUploading != null && run.finalMessage == null) {
      link.send(codec.encode(run.unsentUploading));
    }
    run.unsentUploading = null;
    if (run.finalMessage != null) {
      link.send(codec.encode(run.finalMessage));
      run.finalSentNanos = System.nanoTime();
    }
  }

  private void sendLocked(WorkerMessage message) {
    if (link != null) {
      link.send(codec.encode(message));
    }
  }

  private void reportByLease(String leaseId, WorkerMessage.Progress update) {
    synchronized (lock) {
      LeaseRun run = leases.get(leaseId);
      if (run != null) {
        reportLocked(run, update);
      }
    }
  }

  /** The execution's outlet into the agent. */
  private final class Reports implements LeaseExecution.Reports {
    @Override
    public void report(LeaseRun run, WorkerMessage message) {
      synchronized (lock) {
        reportLocked(run, message);
      }
    }

    @Override
    public void progress(LeaseRun run, WorkerMessage.Progress progress) {
      ProgressCoalescer<WorkerMessage.Progress> c = coalescer;
      if (c != null) {
        c.offer(run.leaseId(), progress);
      }
    }

    @Override
    public void flushProgress(LeaseRun run) {
      ProgressCoalescer<WorkerMessage.Progress> c = coalescer;
      if (c != null) {
        c.flush(run.leaseId());
      }
    }

    @Override
    public void uploading(LeaseRun run, WorkerMessage.Uploading message) {
      synchronized (lock) {
        if (welcome != null && welcome.protocolVersion() >= Protocol.UPLOADING_FREES_SLOT) {
          leaveSlotLocked(run); // before the message leaves: the server may lease the slot at once
        }
        reportLocked(run, message);
      }
    }

    @Override
    public void finished(LeaseRun run, WorkerMessage.RunFinished message, RunResult result) {
      ProgressCoalescer<WorkerMessage.Progress> c = coalescer;
      if (c != null) {
        c.finish(run.leaseId()); // pending progress goes out before run_finished (section 9)
      }
      boolean unhealthy = !run.slot.runtime.healthy();
      synchronized (lock) {
        run.stopped = true;
        // Free the slot before run_finished leaves: the server may lease it again at once.
        leaveSlotLocked(run);
        reportLocked(run, message);
        if (run.detached) {
          leases.remove(run.leaseId());
        } else {
          run.shed();
        }
      }
      long cancelAt = run.cancelRequestedNanos;
      if (cancelAt != 0) {
        metrics.cancelled(System.nanoTime() - cancelAt);
      }
      metrics.runFinished(message.status().wire(), System.nanoTime() - run.receivedNanos);
      if (message.error() != null) {
        LOG.info("run {} ended {}: {}", run.lease.runId(), message.status().wire(), message.error().message());
      } else {
        LOG.debug("run {} ended {}", run.lease.runId(), message.status().wire());
      }
      if (unhealthy) {
        LOG.error("slot {} is unhealthy ({}); it takes no more leases", run.slot.id(), run.slot.runtime.unhealthyReason());
        heartbeat(); // section 4: at once when a slot's state changes
      }
      checkDrained();
    }
  }

  /** The slot thread is done with {@code run}: the slot takes the next lease. Caller holds the lock. */
  private static void leaveSlotLocked(LeaseRun run) {
    if (run.leftSlot) {
      return;
    }
    run.leftSlot = true;
    run.slot.queued--;
    if (run.slot.lease == run) {
      run.slot.lease = null;
    }
  }

  // ---- heartbeats ----

  private void heartbeat() {
    synchronized (lock) {
      if (link == null) {
        return;
      }
      long now = System.nanoTime();
      if (now - link.lastFrameNanos() > 3 * heartbeatNanos) {
        LOG.warn("the server sent nothing for 3 heartbeat intervals; reconnecting");
        link.close(1001, "server silent");
        return;
      }
      long ttl = TimeUnit.MILLISECONDS.toNanos(welcome.leaseTtlMs());
      List<LeaseRef> held = new ArrayList<>();
      for (var it = leases.values().iterator(); it.hasNext(); ) {
        LeaseRun run = it.next();
        if (run.active()) {
          held.add(run.ref());
        } else if (run.stopped && !run.awaitingResume && run.finalSentNanos != 0 && now - run.finalSentNanos > ttl) {
          it.remove(); // delivered long enough ago that no resume will ask for it
        }
      }
      List<SlotStatus> states = slots.values().stream().map(s -> new SlotStatus(s.id(), s.state())).toList();
      link.send(codec.encode(new WorkerMessage.Heartbeat(held, states)));
      link.ping();
      metrics.renewed(held.size());
    }
    lifecycle.reachable();
  }

  private void trimIdleSlots() {
    synchronized (lock) {
      for (Slot slot : slots.values()) {
        if (slot.lease == null && slot.queued == 0) {
          slot.execute(slot.runtime::trimIdle);
        }
      }
    }
  }

  // ---- drain (section 14) ----

  /** Stops taking leases and exits 0 once the running runs finished; the drain timeout forces the stop. */
  public void drain(String reason) {
    synchronized (lock) {
      if (draining) {
        return;
      }
      draining = true;
      drainReason = reason;
      sendLocked(new WorkerMessage.DrainStarted(settings.drainTimeout().toMillis(), reason));
    }
    LOG.info("draining ({}): no new leases; waiting up to {} s for {} running run(s)", reason,
        settings.drainTimeout().toSeconds(), busySlots());
    lifecycle.drainStarted(reason);
    timer.schedule(this::forceStop, settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    checkDrained();
  }

  /** Cancels every running run, hands its lease back for re-queueing, and exits 143. */
  public void forceStop() {
    List<LeaseRun> running = new ArrayList<>();
    synchronized (lock) {
      if (forced || exit.isDone()) {
        return;
      }
      forced = true;
      draining = true;
      for (LeaseRun run : leases.values()) {
        if (run.active()) {
          running.add(run);
          reportLocked(run, new WorkerMessage.LeaseReleased(run.lease.leaseId(), run.lease.runId(),
              run.lease.fencingToken(), "shutdown"));
        }
      }
    }
    LOG.warn("stopping now: cancelling {} run(s) and handing their leases back", running.size());
    running.forEach(run -> run.token.cancel("shutdown"));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FORCED_STOP_WAIT_MS);
    while (System.nanoTime() < deadline && queuedRuns() > 0) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    stop(1001, "worker stopping", 143);
  }

  private int queuedRuns() {
    synchronized (lock) {
      return slots.values().stream().mapToInt(s -> s.queued).sum();
    }
  }

  private void checkDrained() {
    synchronized (lock) {
      // A run whose slot is already free may still be uploading: it is not done until run_finished.
      if (!draining || forced || exit.isDone() || slots.values().stream().anyMatch(s -> s.queued > 0)
          || leases.values().stream().anyMatch(LeaseRun::active)) {
        return;
      }
    }
    LOG.info("drained: every run finished");
    if (eventLoop.next().inEventLoop()) {
      // The last run_finished was sent from the link's event loop (LeaseExecution); stop waits for the
      // connection to close, which needs that loop, so it must not run on it.
      timer.execute(() -> stop(1000, "drained", 0));
    } else {
      stop(1000, "drained", 0);
    }
  }

  /** Closes the connection (after what was queued on it) and completes {@link #exited}. */
  private void stop(int closeCode, String reason, int status) {
    ServerLink open;
    synchronized (lock) {
      if (exit.isDone()) {
        return;
      }
      shutdown = true;
      open = link;
    }
    if (open != null) {
      open.close(closeCode, reason);
      try {
        open.closed().get(2, TimeUnit.SECONDS);
      } catch (InterruptedException | ExecutionException | TimeoutException e) {
        LOG.debug("the connection did not close in time: {}", e.toString());
      }
    }
    if (connector != null) {
      connector.interrupt();
    }
    exit.complete(status);
  }

  /** Stops everything now, without draining (tests, and the dev mode's exit after its own drain). */
  @Override
  public void close() {
    stop(1001, "worker stopping", 143);
    shutdown = true;
    if (connector != null) {
      connector.interrupt();
    }
    synchronized (lock) {
      leases.values().forEach(run -> run.token.cancel("worker stopping"));
    }
    timer.shutdownNow();
    for (Slot slot : slots.values()) {
      slot.close(FORCED_STOP_WAIT_MS);
    }
    uploadClient.close();
    inputs.close();
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
