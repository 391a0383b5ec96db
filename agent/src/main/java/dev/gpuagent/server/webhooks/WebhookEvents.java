package dev.gpuagent.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.server.RunEvents;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStore;
import dev.gpuagent.server.store.WebhookStore;
import java.io.IOException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns run changes into {@code run.updated} events in the durable outbox: every status change of a
 * run with a webhook, and progress or live-status changes when the run asked for intermediate
 * status. The payload is a snapshot of the record after the change, fixed at enqueue time. Enqueuing
 * is one store write in the caller's thread (so the event is as durable as the change it reports);
 * the sending happens on the {@link WebhookSender}'s threads, which {@code wake} nudges.
 */
public final class WebhookEvents implements RunEvents {
  public static final String RUN_UPDATED = "run.updated";
  /** {@code webhook_status} of a run whose first event waits for its first try. */
  public static final String PENDING = "pending";
  private static final Logger LOG = LoggerFactory.getLogger(WebhookEvents.class);

  private final WebhookStore outbox;
  private final RunStore runs;
  private final Runnable wake;

  public WebhookEvents(WebhookStore outbox, RunStore runs, Runnable wake) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.runs = Objects.requireNonNull(runs, "runs");
    this.wake = Objects.requireNonNull(wake, "wake");
  }

  @Override
  public void statusChanged(Run run) {
    if (run.webhook() != null) {
      enqueue(run);
    }
  }

  /** Only runs queued with a webhook have events to deliver. */
  @Override
  public boolean wants(Run run) {
    return run.webhook() != null;
  }

  @Override
  public void progressed(Run run) {
    if (run.webhook() != null && run.webhookIntermediateStatus()) {
      enqueue(run);
    }
  }

  private void enqueue(Run run) {
    if (!WebhookUrls.allowed(run.webhook())) {
      LOG.warn("run {}: webhook URL is not an absolute http(s) URL; no event queued", run.id());
      return;
    }
    try {
      outbox.enqueue(run.id(), RUN_UPDATED, payload(run));
      if (run.webhookStatus() == null) {
        runs.setWebhookStatus(run.id(), PENDING);
      }
    } catch (RuntimeException e) {
      LOG.warn("run {}: could not queue its webhook event: {}", run.id(), e.toString());
      return;
    }
    wake.run();
  }

  /** {@code {"event_type","run_id","status","live_status","progress","outputs"}}. */
  static String payload(Run run) {
    ObjectNode body = Json.object();
    body.put("event_type", RUN_UPDATED);
    body.put("run_id", run.id().toString());
    body.put("status", run.status().wireName());
    body.put("live_status", run.liveStatus());
    body.put("progress", run.progress());
    body.set("outputs", outputs(run.outputs()));
    return body.toString();
  }

  private static JsonNode outputs(String raw) {
    if (raw == null || raw.isBlank()) {
      return Json.MAPPER.createArrayNode();
    }
    try {
      return Json.MAPPER.readTree(raw);
    } catch (IOException e) {
      return Json.MAPPER.createArrayNode();
    }
  }
}
