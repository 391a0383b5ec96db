package dev.gpuagent.server.webhooks;

import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStore;
import dev.gpuagent.server.store.WebhookDelivery;
import dev.gpuagent.server.store.WebhookStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox: one poller thread reads the due events (the oldest pending event of each run)
 * and hands each to a virtual thread that POSTs it, so a run has at most one event in flight and a
 * slow receiver holds up only its own run. The poller runs every {@code pollInterval}, when {@link
 * #wake} is called (a new event), after each try, and when a retry falls due. A run leaves the
 * in-flight set on the poller thread after its outcome is committed, so no poll can see a finished
 * event as still due. Outcomes: 2xx delivered; 410 gives the event up and every later event of that
 * run (the receiver asked to stop); anything else (another status, a timeout, a refused connection)
 * retries with backoff until {@code maxAttempts}. Redirects are not followed (a 3xx is a failure).
 * The outcome is mirrored in the run's {@code webhook_status}.
 */
public final class WebhookSender implements AutoCloseable {
  public static final String DELIVERED = "delivered";
  static final String GONE = "failed: gone (HTTP 410)";
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  private static final String USER_AGENT = "gpu-agent-webhooks/1";

  private final WebhookStore outbox;
  private final RunStore runs;
  private final WebhookSecrets secrets;
  private final WebhookSettings settings;
  private final Clock clock;
  private final RandomGenerator random;
  private final HttpClient client;
  private final ScheduledExecutorService poller;
  private final ExecutorService deliveries;
  private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private volatile boolean closed;

  public WebhookSender(WebhookStore outbox, RunStore runs, WebhookSecrets secrets, WebhookSettings settings,
      Clock clock, RandomGenerator random) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.runs = Objects.requireNonNull(runs, "runs");
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(settings.connectTimeout())
        .build();
    this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "webhook-poller");
      thread.setDaemon(true);
      return thread;
    });
    this.deliveries = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("webhook-delivery-", 0).factory());
  }

  /** Starts polling the outbox (events left from before a restart are delivered too). */
  public WebhookSender start() {
    long every = settings.pollInterval().toMillis();
    poller.scheduleWithFixedDelay(this::poll, 0, Math.max(1, every), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Reads the outbox soon: a new event was queued. Cheap; never blocks. */
  public void wake() {
    if (!closed && wakeQueued.compareAndSet(false, true)) {
      onPoller(() -> {});
    }
  }

  /** Runs {@code task} then a poll on the poller thread. */
  private void onPoller(Runnable task) {
    try {
      poller.execute(() -> {
        task.run();
        poll();
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void poll() {
    wakeQueued.set(false);
    if (closed) {
      return;
    }
    try {
      for (WebhookDelivery delivery : outbox.due(clock.instant(), settings.batch())) {
        if (inFlight.add(delivery.runId())) {
          try {
            deliveries.execute(() -> attempt(delivery));
          } catch (RejectedExecutionException e) {
            inFlight.remove(delivery.runId());
            return;
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("could not read the webhook outbox: {}", e.toString());
    }
  }

  private void attempt(WebhookDelivery delivery) {
    Duration retryIn = null;
    try {
      retryIn = deliver(delivery);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return; // closing: the event stays pending and is sent again after a restart
    } catch (RuntimeException e) {
      LOG.warn("run {}: webhook event {} could not be handled: {}", delivery.runId(), delivery.seq(), e.toString());
      retryIn = settings.pollInterval();
    } finally {
      onPoller(() -> inFlight.remove(delivery.runId()));
    }
    if (retryIn != null && !closed) {
      try {
        poller.schedule(this::poll, Math.max(1, retryIn.toMillis()), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }
  }

  /** One try; answers when to poll again for a retry, or null. */
  private Duration deliver(WebhookDelivery delivery) throws InterruptedException {
    UUID runId = delivery.runId();
    long seq = delivery.seq();
    Run run = runs.find(runId).orElse(null);
    if (run == null) {
      outbox.giveUp(runId, seq, "run not found");
      return null;
    }
    if (GONE.equals(run.webhookStatus())) {
      outbox.giveUp(runId, seq, "not sent: the receiver answered 410 to an earlier event");
      runs.setWebhookStatus(runId, GONE); // the outbox mirrors a plain "failed"
      return null;
    }
    if (!WebhookUrls.allowed(run.webhook())) {
      fail(run, seq, "webhook URL is not an absolute http(s) URL");
      return null;
    }
    byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
    String messageId = WebhookSignature.messageId(runId, seq);
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest request = HttpRequest.newBuilder(URI.create(run.webhook()))
        .timeout(settings.requestTimeout())
        .header("content-type", "application/json")
        .header("user-agent", USER_AGENT)
        .header(WebhookSignature.HEADER_ID, messageId)
        .header(WebhookSignature.HEADER_TIMESTAMP, Long.toString(timestamp))
        .header(WebhookSignature.HEADER_SIGNATURE,
            WebhookSignature.sign(secrets.secret(run.orgId()), messageId, timestamp, body))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    String failure;
    try {
      int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status >= 200 && status < 300) {
        outbox.delivered(runId, seq);
        runs.setWebhookStatus(runId, DELIVERED);
        LOG.debug("run {}: webhook event {} delivered ({})", runId, seq, status);
        return null;
      }
      if (status == 410) {
        outbox.giveUp(runId, seq, "HTTP 410");
        runs.setWebhookStatus(runId, GONE);
        LOG.info("run {}: webhook receiver {} answered 410: no more events for this run", runId,
            WebhookUrls.forLog(run.webhook()));
        return null;
      }
      failure = "HTTP " + status;
    } catch (HttpTimeoutException e) {
      failure = "timed out";
    } catch (IOException e) {
      failure = "connection failed (" + e.getClass().getSimpleName() + ")";
    }
    int tries = delivery.attempts() + 1;
    if (tries >= settings.maxAttempts()) {
      fail(run, seq, failure + " after " + tries + " attempts");
      return null;
    }
    Duration wait = settings.backoff().delay(tries - 1, random);
    outbox.retryLater(runId, seq, clock.instant().plus(wait), failure);
    runs.setWebhookStatus(runId, "retrying: " + failure + " (attempt " + tries + " of " + settings.maxAttempts() + ")");
    LOG.debug("run {}: webhook event {} to {} failed ({}); retry in {} ms", runId, seq,
        WebhookUrls.forLog(run.webhook()), failure, wait.toMillis());
    return wait;
  }

  private void fail(Run run, long seq, String reason) {
    outbox.giveUp(run.id(), seq, reason);
    runs.setWebhookStatus(run.id(), "failed: " + reason);
    LOG.warn("run {}: webhook event {} to {} given up: {}", run.id(), seq, WebhookUrls.forLog(run.webhook()), reason);
  }

  /** Stops polling and interrupts tries in flight (their events stay pending); waits up to 5 s. */
  @Override
  public void close() {
    closed = true;
    poller.shutdownNow();
    deliveries.shutdownNow();
    try {
      deliveries.awaitTermination(5, TimeUnit.SECONDS);
      poller.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.shutdownNow();
  }
}
