package dev.gpuagent.server;

import dev.gpuagent.server.store.ExpiredLeases;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStore;
import dev.gpuagent.server.store.StatusUpdate;
import dev.gpuagent.server.store.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run store as the dispatcher sees it: every transition it applies is told to {@link RunEvents}
 * (webhooks), so no dispatch path can change a run's status without the webhook hearing of it. A
 * status change is {@code statusChanged}; a change of progress or live status with the same status
 * is {@code progressed}. The public API keeps the plain store and tells its own events (queue, cancel).
 */
public final class ObservedRunStore implements RunStore {
  private static final Logger LOG = LoggerFactory.getLogger(ObservedRunStore.class);

  private final RunStore runs;
  private final RunEvents events;

  public ObservedRunStore(RunStore runs, RunEvents events) {
    this.runs = runs;
    this.events = events;
  }

  @Override
  public Optional<Run> claimNext(List<String> gpuTypes, String workerId, Duration leaseTtl) {
    Optional<Run> claimed = runs.claimNext(gpuTypes, workerId, leaseTtl);
    claimed.ifPresent(this::statusChanged);
    return claimed;
  }

  @Override
  public int extendOpenLeases(Instant atLeast) {
    return runs.extendOpenLeases(atLeast);
  }

  @Override
  public Transition updateProgress(UUID runId, long fencingToken, double progress, String liveStatus) {
    Transition t = runs.updateProgress(runId, fencingToken, progress, liveStatus);
    if (t instanceof Transition.Applied applied) {
      progressed(applied.run());
    }
    return t;
  }

  @Override
  public Transition setStatus(StatusUpdate update) {
    var before = runs.find(update.runId()).map(Run::status).orElse(null);
    Transition t = runs.setStatus(update);
    if (t instanceof Transition.Applied applied) {
      if (applied.run().status() != before) {
        statusChanged(applied.run());
      } else {
        progressed(applied.run());
      }
    }
    return t;
  }

  @Override
  public Transition cancel(UUID orgId, UUID runId) {
    Transition t = runs.cancel(orgId, runId);
    if (t instanceof Transition.Applied applied) {
      statusChanged(applied.run());
    }
    return t;
  }

  @Override
  public Transition release(UUID runId, long fencingToken, String reason) {
    Transition t = runs.release(runId, fencingToken, reason);
    if (t instanceof Transition.Applied applied) {
      statusChanged(applied.run());
    }
    return t;
  }

  @Override
  public ExpiredLeases requeueExpired(Instant now) {
    ExpiredLeases expired = runs.requeueExpired(now);
    expired.requeued().forEach(this::statusChanged);
    expired.failed().forEach(this::statusChanged);
    return expired;
  }

  @Override
  public List<Run> timeoutOverdue(Instant now) {
    List<Run> timedOut = runs.timeoutOverdue(now);
    timedOut.forEach(this::statusChanged);
    return timedOut;
  }

  @Override
  public Run insert(NewRun run) {
    return runs.insert(run);
  }

  @Override
  public CompletableFuture<Run> insertAsync(NewRun run) {
    return runs.insertAsync(run);
  }

  @Override
  public Optional<Run> get(UUID orgId, UUID runId) {
    return runs.get(orgId, runId);
  }

  @Override
  public Optional<Run> find(UUID runId) {
    return runs.find(runId);
  }

  @Override
  public Set<String> renewLeases(String workerId, Collection<String> leaseIds, Duration ttl) {
    return runs.renewLeases(workerId, leaseIds, ttl);
  }

  @Override
  public List<Run> leasedBy(String workerId) {
    return runs.leasedBy(workerId);
  }

  @Override
  public Map<String, Long> queueDepth() {
    return runs.queueDepth();
  }

  @Override
  public void setWebhookStatus(UUID runId, String webhookStatus) {
    runs.setWebhookStatus(runId, webhookStatus);
  }

  /** A listener's failure is logged: the transition has already been committed and stands. */
  private void statusChanged(Run run) {
    try {
      events.statusChanged(run);
    } catch (RuntimeException e) {
      LOG.warn("run events failed for run {} ({}): {}", run.id(), run.status(), e.toString());
    }
  }

  private void progressed(Run run) {
    try {
      events.progressed(run);
    } catch (RuntimeException e) {
      LOG.warn("run events failed for run {} progress: {}", run.id(), e.toString());
    }
  }
}
