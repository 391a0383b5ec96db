package dev.gpuagent.server.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.protocol.Backoff;
import dev.gpuagent.server.http.Json;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.Stores;
import dev.gpuagent.server.store.Transition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox delivered to a local receiver over loopback, with tiny backoff delays. */
class WebhookDeliveryTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  /** Always waits the full backoff ceiling, so the waits between tries are known. */
  static final RandomGenerator CEILING = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public long nextLong(long bound) {
      return bound - 1;
    }
  };
  static final Backoff FAST = new Backoff(Duration.ofMillis(40), Duration.ofMillis(400));

  @TempDir Path dir;

  private Stores stores;
  private UUID org;
  private Receiver receiver;
  private WebhookSender sender;
  private WebhookEvents events;

  @BeforeEach
  void open() throws Exception {
    stores = Stores.openSqlite(dir, Clock.systemUTC());
    org = new JdbcIdentityStore(stores.database(), Clock.systemUTC()).createOrganisation("acme").id();
    receiver = new Receiver();
  }

  @AfterEach
  void close() {
    if (sender != null) {
      sender.close();
    }
    receiver.close();
    stores.close();
  }

  private void startSender(int maxAttempts) {
    WebhookSettings settings = WebhookSettings.defaults().withMaxAttempts(maxAttempts).withBackoff(FAST)
        .withPollInterval(Duration.ofMillis(200)).withRequestTimeout(Duration.ofSeconds(5));
    sender = new WebhookSender(stores.webhooks(), stores.runs(), new WebhookSecrets(dir), settings,
        Clock.systemUTC(), CEILING).start();
    events = new WebhookEvents(stores.webhooks(), stores.runs(), sender::wake);
  }

  private Run queue(boolean intermediate) {
    Run run = stores.runs().insert(NewRun.of(org, null, "{}").withWebhook(receiver.url(), intermediate));
    events.statusChanged(run);
    return run;
  }

  private Run cancel(Run run) {
    Run cancelled = ((Transition.Applied) stores.runs().cancel(org, run.id())).run();
    events.statusChanged(cancelled);
    return cancelled;
  }

  private String webhookStatus(Run run) {
    return stores.runs().find(run.id()).orElseThrow().webhookStatus();
  }

  private void awaitWebhookStatus(Run run, String expected) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!expected.equals(webhookStatus(run))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("webhook_status is " + webhookStatus(run) + ", expected " + expected);
      }
      Thread.sleep(5);
    }
  }

  private static String status(Receiver.Received request) throws Exception {
    return Json.MAPPER.readTree(request.body()).get("status").asText();
  }

  /** HMAC-SHA256 computed here, independently of {@link WebhookSignature}. */
  private static String expectedSignature(String secret, Receiver.Received request) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
    byte[] signed = (request.id() + "." + request.timestamp() + "." + request.body()).getBytes(StandardCharsets.UTF_8);
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed));
  }

  @Test
  void aQueuedThenCancelledRunDeliversSignedEventsInOrder() throws Exception {
    startSender(8);
    Run run = queue(false);
    cancel(run);
    List<Receiver.Received> got = receiver.await(2, WAIT);
    awaitWebhookStatus(run, "delivered");
    assertEquals(List.of("queued", "cancelled"), List.of(status(got.get(0)), status(got.get(1))));
    String secret = new WebhookSecrets(dir).secret(org);
    for (Receiver.Received request : got) {
      assertEquals(expectedSignature(secret, request), request.signature());
      assertEquals("application/json", request.contentType());
      long timestamp = Long.parseLong(request.timestamp());
      assertTrue(Math.abs(Instant.now().getEpochSecond() - timestamp) < 60, "timestamp is now, in seconds");
    }
    assertEquals(WebhookSignature.messageId(run.id(), 1), got.get(0).id());
    assertNotEquals(got.get(0).id(), got.get(1).id());
    JsonNode last = Json.MAPPER.readTree(got.get(1).body());
    assertEquals(List.of("event_type", "run_id", "status", "live_status", "progress", "outputs"),
        fieldNames(last));
    assertEquals("run.updated", last.get("event_type").asText());
    assertEquals(run.id().toString(), last.get("run_id").asText());
    assertTrue(last.get("outputs").isArray());
    Thread.sleep(300);
    assertEquals(2, receiver.received().size(), "each event is delivered once");
  }

  @Test
  void retriesAfterServerErrorsWithBackoffUntilDelivered() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    receiver.answering(request -> calls.incrementAndGet() <= 2 ? 500 : 204);
    startSender(8);
    Run run = queue(false);
    List<Receiver.Received> got = receiver.await(3, WAIT);
    awaitWebhookStatus(run, "delivered");
    assertEquals(got.get(0).id(), got.get(1).id(), "a retry keeps the message id");
    assertEquals(got.get(0).id(), got.get(2).id());
    assertEquals(got.get(0).body(), got.get(2).body());
    // full jitter at its ceiling: 40 ms after the first failure, 80 ms after the second
    long firstWait = Duration.ofNanos(got.get(1).atNanos() - got.get(0).atNanos()).toMillis();
    long secondWait = Duration.ofNanos(got.get(2).atNanos() - got.get(1).atNanos()).toMillis();
    assertTrue(firstWait >= 35, "first retry after " + firstWait + " ms");
    assertTrue(secondWait >= 75, "second retry after " + secondWait + " ms");
    String secret = new WebhookSecrets(dir).secret(org);
    for (Receiver.Received request : got) {
      assertEquals(expectedSignature(secret, request), request.signature());
    }
  }

  @Test
  void showsRetryingThenGivesUpAfterMaxAttemptsAndMovesOnToTheNextEvent() throws Exception {
    receiver.answering(request -> {
      try {
        return "queued".equals(status(request)) ? 503 : 200;
      } catch (Exception e) {
        return 400;
      }
    });
    startSender(3);
    Run run = queue(false);
    awaitWebhookStatus(run, "failed: HTTP 503 after 3 attempts");
    assertEquals(3, receiver.received().size());
    cancel(run);
    List<Receiver.Received> got = receiver.await(4, WAIT);
    assertEquals("cancelled", status(got.get(3)));
    awaitWebhookStatus(run, "delivered");
  }

  @Test
  void goneStopsTheRunsEvents() throws Exception {
    receiver.answering(request -> 410);
    startSender(8);
    Run run = queue(false);
    receiver.await(1, WAIT);
    awaitWebhookStatus(run, "failed: gone (HTTP 410)");
    cancel(run);
    Thread.sleep(500);
    assertEquals(1, receiver.received().size(), "no retry, and no later event of the run is sent");
    assertEquals("failed: gone (HTTP 410)", webhookStatus(run));
    assertTrue(stores.webhooks().due(Instant.now().plusSeconds(3600), 10).isEmpty(), "nothing left pending");
  }

  @Test
  void aRunsSecondEventWaitsForItsFirstThroughRetries() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    receiver.answering(request -> calls.incrementAndGet() <= 3 ? 500 : 200);
    startSender(8);
    Run run = queue(false);
    cancel(run);
    List<Receiver.Received> got = receiver.await(5, WAIT);
    awaitWebhookStatus(run, "delivered");
    List<String> order = new ArrayList<>();
    for (Receiver.Received request : got) {
      order.add(status(request));
    }
    assertEquals(List.of("queued", "queued", "queued", "queued", "cancelled"), order);
  }

  @Test
  void otherRunsAreNotHeldUpByOneRunsRetries() throws Exception {
    Receiver other = new Receiver();
    try {
      receiver.answering(request -> 500);
      startSender(50);
      Run failing = queue(false);
      receiver.await(2, WAIT);
      Run fine = stores.runs().insert(NewRun.of(org, null, "{}").withWebhook(other.url(), false));
      events.statusChanged(fine);
      other.await(1, WAIT);
      awaitWebhookStatus(fine, "delivered");
      assertTrue(webhookStatus(failing).matches("retrying: HTTP 500 \\(attempt \\d+ of 50\\)"), webhookStatus(failing));
    } finally {
      other.close();
    }
  }

  @Test
  void intermediateEventsOnlyWhenAsked() throws Exception {
    startSender(8);
    Run quiet = queue(false);
    Run chatty = queue(true);
    for (Run run : List.of(quiet, chatty)) {
      Run leased = stores.runs().claimNext(List.of("CPU"), "worker-1", Duration.ofMinutes(1)).orElseThrow();
      Run progressed = ((Transition.Applied) stores.runs().updateProgress(leased.id(), leased.fencingToken(),
          0.5, "node 2 of 4")).run();
      events.progressed(progressed);
    }
    List<Receiver.Received> got = receiver.await(3, WAIT);
    Thread.sleep(300);
    got = receiver.received();
    assertEquals(3, got.size(), "two queued events and one progress event");
    JsonNode progress = null;
    for (Receiver.Received request : got) {
      JsonNode body = Json.MAPPER.readTree(request.body());
      if (body.get("progress").asDouble() > 0) {
        progress = body;
      }
    }
    assertEquals(chatty.id().toString(), progress.get("run_id").asText());
    assertEquals("node 2 of 4", progress.get("live_status").asText());
    assertEquals(0.5, progress.get("progress").asDouble());
    assertEquals("started", progress.get("status").asText());
  }

  @Test
  void aRunWithoutAWebhookQueuesNothing() throws Exception {
    startSender(8);
    Run run = stores.runs().insert(NewRun.of(org, null, "{}"));
    events.statusChanged(run);
    events.progressed(run);
    assertTrue(stores.webhooks().due(Instant.now().plusSeconds(1), 10).isEmpty());
    assertEquals(null, webhookStatus(run));
  }

  @Test
  void eventsLeftInTheOutboxAreSentAfterARestart() throws Exception {
    Run run = stores.runs().insert(NewRun.of(org, null, "{}").withWebhook(receiver.url(), false));
    new WebhookEvents(stores.webhooks(), stores.runs(), () -> {}).statusChanged(run);
    assertEquals("pending", webhookStatus(run));
    startSender(8);
    receiver.await(1, WAIT);
    awaitWebhookStatus(run, "delivered");
  }

  @Test
  void aSlowReceiverTimesOutAndIsRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    receiver.answering(request -> {
      if (calls.incrementAndGet() == 1) {
        try {
          Thread.sleep(1500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return 200;
    });
    WebhookSettings settings = WebhookSettings.defaults().withBackoff(FAST).withPollInterval(Duration.ofMillis(200))
        .withRequestTimeout(Duration.ofMillis(300));
    sender = new WebhookSender(stores.webhooks(), stores.runs(), new WebhookSecrets(dir), settings,
        Clock.systemUTC(), CEILING).start();
    events = new WebhookEvents(stores.webhooks(), stores.runs(), sender::wake);
    Run run = queue(false);
    receiver.await(2, WAIT);
    awaitWebhookStatus(run, "delivered");
  }

  @Test
  void closingInterruptsATryInFlightAndLeavesItsEventPending() throws Exception {
    receiver.answering(request -> {
      try {
        Thread.sleep(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 200;
    });
    startSender(8);
    Run run = queue(false);
    receiver.await(1, WAIT);
    long started = System.nanoTime();
    sender.close();
    sender = null;
    long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
    assertTrue(tookMs < 2000, "close took " + tookMs + " ms");
    assertEquals(1, stores.webhooks().due(Instant.now(), 10).size(), "the event is sent again after a restart");
    assertEquals("pending", webhookStatus(run));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
