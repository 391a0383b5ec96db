package dev.gpuagent.server.dispatch;

import dev.gpuagent.protocol.LeaseRef;
import dev.gpuagent.protocol.Protocol;
import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.protocol.ProtocolException;
import dev.gpuagent.protocol.RunOutcome;
import dev.gpuagent.protocol.RunScoped;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotState;
import dev.gpuagent.protocol.SlotStatus;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import dev.gpuagent.server.store.StatusUpdate;
import dev.gpuagent.server.store.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Handles the frames of worker connections, on the dispatcher thread (docs/protocol.md sections 3, 4, 6, 13). */
final class WorkerMessages {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerMessages.class);
  private static final int CLOSE_PROTOCOL_ERROR = 1002;

  private final RunDispatcher d;
  private final ProtocolCodec codec;

  WorkerMessages(RunDispatcher dispatcher) {
    this.d = dispatcher;
    this.codec = new ProtocolCodec(dispatcher.settings.maxFrameBytes());
  }

  void handle(WorkerConnection conn, byte[] utf8) {
    if (conn.closed) {
      return;
    }
    WorkerMessage message;
    try {
      message = codec.decodeWorkerMessage(utf8);
    } catch (ProtocolException e) {
      refuse(conn, e);
      return;
    }
    if (!conn.helloDone()) {
      if (message instanceof WorkerMessage.Hello hello) {
        hello(conn, hello);
      } else {
        fatal(conn, "hello_required", "the first message must be hello, got " + message.type());
      }
      return;
    }
    switch (message) {
      case WorkerMessage.Hello h -> conn.send(new ServerMessage.ProtocolError("duplicate_hello",
          "hello was already received on this connection", false));
      case WorkerMessage.Heartbeat h -> heartbeat(conn, h);
      case WorkerMessage.DrainStarted ds -> {
        conn.draining = true;
        LOG.info("{} is draining ({})", conn, ds.reason());
      }
      default -> runScoped(conn, (RunScoped) message);
    }
  }

  private void refuse(WorkerConnection conn, ProtocolException e) {
    if (e.reason() == ProtocolException.Reason.FRAME_TOO_LARGE) {
      conn.close(1009, "frame too large");
    } else if (!conn.helloDone()) {
      boolean wasHello = "hello".equals(e.messageType());
      fatal(conn, wasHello ? "invalid_hello" : "hello_required", e.getMessage());
    } else if (e.ignorable()) {
      LOG.info("{} sent a message of unknown type '{}'; ignored", conn, e.messageType());
    } else {
      conn.send(new ServerMessage.ProtocolError(e.reason().errorCode(), e.getMessage(), false));
    }
  }

  private void fatal(WorkerConnection conn, String code, String message) {
    conn.send(new ServerMessage.ProtocolError(code, message, true));
    conn.close(CLOSE_PROTOCOL_ERROR, code);
  }

  // ---- hello and resume ----

  private void hello(WorkerConnection conn, WorkerMessage.Hello hello) {
    String workerId = RunDispatcher.workerId(conn.tokenId, hello.name());
    WorkerConnection previous = d.workers.get(workerId);
    if (previous != null && previous != conn) {
      previous.close(Protocol.CLOSE_REPLACED, "replaced by a new connection");
      LOG.info("{} connected again; the old connection is closed", previous);
    }
    conn.workerId = workerId;
    conn.name = hello.name();
    conn.protocolVersion = Math.min(hello.protocolVersion(), Protocol.VERSION);
    d.slotsOffered(conn, hello.slots());
    d.workers.put(workerId, conn);
    d.workerTokens.put(workerId, conn.tokenId);
    d.countConnections();
    DispatchSettings s = d.settings;
    conn.send(new ServerMessage.Welcome(conn.protocolVersion, workerId,
        s.serverVersion(), s.heartbeatInterval().toMillis(), s.leaseTtl().toMillis(), s.progressInterval().toMillis(),
        s.maxUploadBytes(), s.maxFrameBytes()));
    LOG.info("{} connected: {} slot(s), {} lease(s) to resume", conn, hello.slots().size(), hello.resume().size());
    Set<String> resumed = new HashSet<>();
    for (LeaseRef ref : hello.resume()) {
      resumed.add(ref.leaseId());
      resume(conn, ref);
    }
    List<LeaseHold> stale = new ArrayList<>();
    for (LeaseHold hold : List.copyOf(d.leases.values())) {
      if (hold.workerId.equals(workerId) && !resumed.contains(hold.leaseId)) {
        stale.add(hold);
      }
    }
    for (Run run : d.runs.leasedBy(workerId)) {
      if (!resumed.contains(run.gpuEventId()) && !d.leases.containsKey(run.gpuEventId())) {
        stale.add(new LeaseHold(run.gpuEventId(), run.id(), run.fencingToken(), workerId, null, run.leaseExpiresAt()));
      }
    }
    if (!stale.isEmpty()) {
      d.expireNow(workerId, stale);
    }
    d.dispatchAll();
  }

  private void resume(WorkerConnection conn, LeaseRef ref) {
    Checked checked = check(conn, ref.leaseId(), ref.runId(), ref.fencingToken(), occupied(conn, ref));
    if (checked.reason != null) {
      abandon(conn, ref.leaseId(), ref.runId(), checked.reason);
      return;
    }
    LeaseHold hold = checked.hold;
    WorkerConnection.Slot slot = conn.slots.get(ref.slotId());
    Optional<Run> run = d.runs.find(hold.runId);
    if (run.isEmpty() || run.get().status().isTerminal() || hold.ending) {
      d.closeLease(hold, "abandoned");
      abandon(conn, ref.leaseId(), ref.runId(), "run_terminal");
      return;
    }
    boolean onSlot = occupied(conn, ref) != null;
    if (!ref.slotId().equals(hold.slotId) && hold.slotId != null || slot == null
        || onSlot && slot.hold != null && slot.hold != hold) {
      abandon(conn, ref.leaseId(), ref.runId(), "unknown_lease");
      return;
    }
    if (d.runs.renewLeases(conn.workerId, List.of(hold.leaseId), d.settings.leaseTtl()).isEmpty()) {
      d.closeLease(hold, "lease_expired");
      abandon(conn, ref.leaseId(), ref.runId(), "lease_expired");
      return;
    }
    hold.expiresAt = d.now().plus(d.settings.leaseTtl());
    if (onSlot) {
      slot.hold = hold;
    } else {
      d.leaveSlot(hold); // its uploading may have been lost with the connection
    }
    conn.send(LeaseMessages.lease(run.get(), ref.slotId(), d.now(), true));
  }

  /**
   * The slot {@code ref}'s run occupies, or null when it occupies none: from version 2 a lease that is
   * only uploading (or finished) has left its slot, which may hold another lease.
   */
  private static String occupied(WorkerConnection conn, LeaseRef ref) {
    return ref.uploading() && conn.protocolVersion >= Protocol.UPLOADING_FREES_SLOT ? null : ref.slotId();
  }

  // ---- heartbeat ----

  private void heartbeat(WorkerConnection conn, WorkerMessage.Heartbeat heartbeat) {
    boolean freed = false;
    for (SlotStatus status : heartbeat.slots()) {
      WorkerConnection.Slot slot = conn.slots.get(status.slotId());
      if (slot != null) {
        freed |= slot.state == SlotState.UNHEALTHY && status.state() != SlotState.UNHEALTHY;
        slot.state = status.state();
      }
    }
    List<LeaseHold> valid = new ArrayList<>();
    for (LeaseRef ref : heartbeat.leases()) {
      Checked checked = check(conn, ref.leaseId(), ref.runId(), ref.fencingToken(), occupied(conn, ref));
      if (checked.reason != null) {
        abandon(conn, ref.leaseId(), ref.runId(), checked.reason);
      } else {
        valid.add(checked.hold);
      }
    }
    if (!valid.isEmpty()) {
      Instant expires = d.now().plus(d.settings.leaseTtl());
      d.then("renewal", d.runs.renewLeasesAsync(conn.workerId, valid.stream().map(h -> h.leaseId).toList(),
          d.settings.leaseTtl()), renewed -> {
            for (LeaseHold hold : valid) {
              if (hold.closed) {
                continue; // finished or released while the renewal was being committed
              }
              if (renewed.contains(hold.leaseId) || hold.ending) {
                hold.expiresAt = expires;
              } else {
                stale(conn, hold);
              }
            }
          });
    }
    if (freed) {
      d.requestDispatch();
    }
  }

  // ---- run-scoped messages ----

  private void runScoped(WorkerConnection conn, RunScoped m) {
    Checked checked = check(conn, m.leaseId(), m.runId(), m.fencingToken(), null);
    if (checked.reason != null) {
      abandon(conn, m.leaseId(), m.runId(), checked.reason);
      return;
    }
    LeaseHold hold = checked.hold;
    UUID runId = hold.runId;
    long token = hold.fencingToken;
    switch (m) {
      case WorkerMessage.LeaseAck ack -> {
        Instant expires = d.now().plus(d.settings.leaseTtl());
        if (hold.ending) {
          hold.expiresAt = expires;
        } else if (java.time.Duration.between(hold.expiresAt, expires).compareTo(d.settings.leaseTtl().dividedBy(10)) < 0) {
          // The usual case: the lease was sent moments ago, and renewing it would move its expiry by
          // less than a tenth of the TTL. Not worth a store write a run; the heartbeats renew it.
          LOG.trace("lease {} acknowledged; its expiry stands", hold.leaseId);
        } else {
          d.then("lease ack", d.runs.renewLeasesAsync(conn.workerId, List.of(hold.leaseId), d.settings.leaseTtl()),
              renewed -> {
                if (hold.closed) {
                  return;
                }
                if (renewed.isEmpty() && !hold.ending) {
                  stale(conn, hold);
                } else {
                  hold.expiresAt = expires;
                }
              });
        }
      }
      case WorkerMessage.NodeStarted ns -> report(conn, hold, RunReport.status(RunStatus.RUNNING,
          "Executing " + ns.classType() + " (" + (ns.index() + 1) + "/" + ns.total() + ")"));
      case WorkerMessage.NodeFinished nf -> { }
      case WorkerMessage.Progress p -> report(conn, hold, RunReport.progress(p.value(), p.liveStatus()));
      case WorkerMessage.Uploading u -> {
        report(conn, hold, RunReport.status(RunStatus.UPLOADING, null));
        // From version 2 the graph is done: the slot may run the next lease while the files travel.
        if (conn.protocolVersion >= Protocol.UPLOADING_FREES_SLOT && d.leaveSlot(hold)) {
          d.requestDispatch();
        }
      }
      case WorkerMessage.RunFinished f -> finished(conn, hold, f);
      case WorkerMessage.LeaseReleased r -> {
        hold.pending = null; // the run goes back to the queue: its progress no longer matters
        d.closeLease(hold, "released");
        d.then("release", d.runs.releaseAsync(runId, token, LeaseMessages.releasedStatus(r.reason())), t -> {
          if (t.applied()) {
            d.outputs.discard(runId, token);
          }
          LOG.info("{} released run {} ({}): {}", conn, runId, r.reason(), t.applied() ? "re-queued" : "closed");
          d.requeued(t instanceof Transition.Applied a ? List.of(a.run()) : List.of());
        });
      }
      default -> LOG.debug("{} sent {}; nothing to do", conn, m.getClass().getSimpleName());
    }
  }

  /** Commits {@code report} now, or merges it into the pending one while another is being committed. */
  private void report(WorkerConnection conn, LeaseHold hold, RunReport report) {
    if (hold.pending != null) { // waiting behind a write in flight, or left by one that failed
      report = hold.pending.then(report);
      hold.pending = null;
    }
    if (hold.reporting) {
      hold.pending = report;
      return;
    }
    hold.reporting = true;
    d.then("report", store(hold, report), t -> {
      hold.reporting = false;
      if (hold.closed) {
        return;
      }
      outcome(conn, hold, t);
      RunReport next = hold.pending;
      hold.pending = null;
      if (next != null && !hold.closed) {
        report(conn, hold, next);
      }
    }, () -> hold.reporting = false);
  }

  /** The store writes of a report: the status change first, then the progress (one FIFO keeps the order). */
  private CompletableFuture<Transition> store(LeaseHold hold, RunReport report) {
    if (report.status() == null) {
      return d.runs.updateProgressAsync(hold.runId, hold.fencingToken, report.progress(), report.liveStatus());
    }
    CompletableFuture<Transition> status = d.runs.setStatusAsync(StatusUpdate.progress(hold.runId, hold.fencingToken,
        report.status(), report.liveStatus()));
    if (report.progress() == null) {
      return status;
    }
    CompletableFuture<Transition> progress = d.runs.updateProgressAsync(hold.runId, hold.fencingToken,
        report.progress(), null);
    return status.thenCombine(progress, (first, second) -> first.applied() ? second : first);
  }

  /**
   * The slot is free as soon as the worker says the run finished: the lease closes at once and the
   * next claim queues behind this finish in the store. The finish's answer only decides what is logged
   * (and, for a stale lease, the worker hears {@code abandon}, which it ignores for a finished run).
   */
  private void finished(WorkerConnection conn, LeaseHold hold, WorkerMessage.RunFinished f) {
    if (!hold.ending && hold.pending != null) {
      store(hold, hold.pending); // its answer no longer matters; the finish is committed after it
    }
    hold.pending = null;
    if (!hold.ending) {
      RunStatus status = RunStatus.of(f.status().wire());
      String error = f.status() == RunOutcome.SUCCESS ? null : LeaseMessages.error(f.error());
      String live = f.status() == RunOutcome.SUCCESS || f.error() == null ? null : f.error().message();
      d.then("run finished", d.runs.setStatusAsync(StatusUpdate.finish(hold.runId, hold.fencingToken, status, live,
          d.outputs.record(hold.runId, hold.fencingToken, f.outputs()), error)), t -> {
            if (t instanceof Transition.Refused r && r.reason() == Transition.Refusal.STALE_LEASE) {
              abandon(conn, hold.leaseId, hold.runId.toString(), "lease_closed");
              return;
            }
            LOG.info("run {} finished on {}: {}{}", hold.runId, conn, f.status().wire(),
                t.applied() ? "" : " (not recorded: the run was already " + t.current().map(x -> x.status().wireName())
                    .orElse("gone") + ")");
          });
    }
    d.closeLease(hold, "finished");
    d.requestDispatch();
  }

  /** A refused store change: a stale lease is abandoned; a run that went terminal keeps the lease until confirmed. */
  private void outcome(WorkerConnection conn, LeaseHold hold, Transition t) {
    if (t instanceof Transition.Refused r) {
      switch (r.reason()) {
        case STALE_LEASE -> stale(conn, hold);
        case TERMINAL -> hold.ending = true;
        case NOT_ALLOWED -> LOG.debug("run {}: {} not allowed from {}", hold.runId, "change", r.run().status());
      }
    } else if (t instanceof Transition.NotFound) {
      stale(conn, hold);
    }
  }

  private void stale(WorkerConnection conn, LeaseHold hold) {
    d.closeLease(hold, "lease_closed");
    abandon(conn, hold.leaseId, hold.runId.toString(), "lease_closed");
  }

  private void abandon(WorkerConnection conn, String leaseId, String runId, String reason) {
    conn.send(new ServerMessage.Abandon(leaseId, runId, reason, "lease " + leaseId + ": " + reason));
  }

  // ---- the lease check (section 6) ----

  private record Checked(LeaseHold hold, String reason) {}

  private Checked check(WorkerConnection conn, String leaseId, String runId, long token, String slotId) {
    LeaseHold hold = d.leases.get(leaseId);
    if (hold == null) {
      if (d.closed.containsKey(leaseId)) {
        return new Checked(null, "lease_closed");
      }
      hold = adopt(conn, leaseId, runId, slotId);
      if (hold == null) {
        return new Checked(null, "unknown_lease");
      }
    }
    if (!hold.workerId.equals(conn.workerId) || !hold.runId.toString().equals(runId)) {
      return new Checked(null, "unknown_lease");
    }
    if (hold.fencingToken != token) {
      return new Checked(null, "token_mismatch");
    }
    if (!hold.ending && !d.now().isBefore(hold.expiresAt)) {
      d.sweep();
      return new Checked(null, "lease_expired");
    }
    return new Checked(hold, null);
  }

  /** A lease the store knows but this dispatcher does not (the server restarted): take it into the books. */
  private LeaseHold adopt(WorkerConnection conn, String leaseId, String runId, String slotId) {
    UUID id;
    try {
      id = UUID.fromString(runId);
    } catch (IllegalArgumentException e) {
      return null;
    }
    Optional<Run> run = d.runs.find(id);
    if (run.isEmpty() || !run.get().status().isLeased() || !leaseId.equals(run.get().gpuEventId())
        || !conn.workerId.equals(run.get().machineId())) {
      return null;
    }
    Run r = run.get();
    LeaseHold hold = new LeaseHold(leaseId, r.id(), r.fencingToken(), conn.workerId, slotId, r.leaseExpiresAt());
    d.leases.put(leaseId, hold);
    if (slotId != null && conn.slots.get(slotId) != null && conn.slots.get(slotId).hold == null) {
      conn.slots.get(slotId).hold = hold;
    }
    return hold;
  }
}
