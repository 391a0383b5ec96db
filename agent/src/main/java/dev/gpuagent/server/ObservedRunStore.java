package dev.gpuagent.server;

import dev.gpuagent.server.store.ExpiredLeases;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.QueuedAndClaimed;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStore;
import dev.gpuagent.server.store.StatusUpdate;
import dev.gpuagent.server.store.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run store as the dispatcher sees it: every transition it applies is told to {@link RunEvents}
 * (webhooks), so no dispatch path can change a run's status without the webhook hearing of it. A
 * status change is {@code statusChanged}; a change of progress or live status with the same status
 * is {@code progressed}. The public API keeps the plain store and tells its own events (queue, cancel).
 *
 * <p>The events are told on {@code notifier}, in commit order: a store future completes on the
 * store's writer thread, which must not do store work itself (a webhook event is a store write), and
 * the dispatcher must not wait for a webhook's write either.
 */
public final class ObservedRunStore implements RunStore {
  private static final Logger LOG = LoggerFactory.getLogger(ObservedRunStore.class);

  private final RunStore runs;
  private final RunEvents events;
  private final Executor notifier;

  /** {@code notifier}: one thread (events keep their order), or a direct executor in tests. */
  public ObservedRunStore(RunStore runs, RunEvents events, Executor notifier) {
    this.runs = Objects.requireNonNull(runs, "runs");
    this.events = Objects.requireNonNull(events, "events");
    this.notifier = Objects.requireNonNull(notifier, "notifier");
  }

  @Override
  public CompletableFuture<Optional<Run>> claimNextAsync(List<String> gpuTypes, String workerId, Duration leaseTtl) {
    return runs.claimNextAsync(gpuTypes, workerId, leaseTtl).whenComplete((claimed, failure) -> {
      if (claimed != null) {
        claimed.filter(events::wants).ifPresent(run -> tell(() -> statusChanged(run)));
      }
    });
  }

  @Override
  public CompletableFuture<QueuedAndClaimed> insertAndClaimAsync(NewRun run, List<String> gpuTypes, String workerId,
      Duration leaseTtl) {
    // The queueing is the API's to tell (as for insert); the lease is the dispatcher's.
    return runs.insertAndClaimAsync(run, gpuTypes, workerId, leaseTtl).whenComplete((both, failure) -> {
      if (both != null) {
        both.claimed().filter(events::wants).ifPresent(claimed -> tell(() -> statusChanged(claimed)));
      }
    });
  }

  @Override
  public int extendOpenLeases(Instant atLeast) {
    return runs.extendOpenLeases(atLeast);
  }

  @Override
  public CompletableFuture<Transition> updateProgressAsync(UUID runId, long fencingToken, double progress,
      String liveStatus) {
    return observed(runs.updateProgressAsync(runId, fencingToken, progress, liveStatus));
  }

  @Override
  public CompletableFuture<Transition> setStatusAsync(StatusUpdate update) {
    return observed(runs.setStatusAsync(update));
  }

  @Override
  public CompletableFuture<Transition> cancelAsync(UUID orgId, UUID runId) {
    return observed(runs.cancelAsync(orgId, runId));
  }

  @Override
  public CompletableFuture<Transition> releaseAsync(UUID runId, long fencingToken, String reason) {
    return observed(runs.releaseAsync(runId, fencingToken, reason));
  }

  @Override
  public ExpiredLeases requeueExpired(Instant now) {
    ExpiredLeases expired = runs.requeueExpired(now);
    tell(() -> {
      expired.requeued().forEach(this::statusChanged);
      expired.failed().forEach(this::statusChanged);
    });
    return expired;
  }

  @Override
  public List<Run> timeoutOverdue(Instant now) {
    List<Run> timedOut = runs.timeoutOverdue(now);
    tell(() -> timedOut.forEach(this::statusChanged));
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
  public CompletableFuture<Set<String>> renewLeasesAsync(String workerId, Collection<String> leaseIds, Duration ttl) {
    return runs.renewLeasesAsync(workerId, leaseIds, ttl);
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

  /** Tells the events of an applied transition once it is committed; the caller's future is unchanged. */
  private CompletableFuture<Transition> observed(CompletableFuture<Transition> change) {
    return change.whenComplete((t, failure) -> {
      if (t instanceof Transition.Applied applied && events.wants(applied.run())) {
        Run run = applied.run();
        tell(applied.statusChanged() ? () -> statusChanged(run) : () -> progressed(run));
      }
    });
  }

  private void tell(Runnable notification) {
    try {
      notifier.execute(notification);
    } catch (RejectedExecutionException e) {
      LOG.debug("run events closed; one notification dropped");
    }
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
