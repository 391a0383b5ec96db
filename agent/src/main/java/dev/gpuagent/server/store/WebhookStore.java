package dev.gpuagent.server.store;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The durable outbox of webhook events. Events of one run are delivered in order: only the oldest
 * pending event of a run is ever due. The outcome is mirrored in the run's {@code webhook_status}
 * ({@code success}, {@code retrying}, {@code failed}).
 */
public interface WebhookStore {
  /** Appends an event to the run's outbox, due now. */
  WebhookDelivery enqueue(UUID runId, String eventType, String payload);

  /** Up to {@code limit} deliveries due by {@code now}: the oldest pending event of each run, if due. */
  List<WebhookDelivery> due(Instant now, int limit);

  /** The receiver accepted the event. */
  void delivered(UUID runId, long seq);

  /** The attempt failed; try again at {@code nextAttemptAt}. */
  void retryLater(UUID runId, long seq, Instant nextAttemptAt, String error);

  /** The attempts are used up: the event is failed and the run's next event becomes due. */
  void giveUp(UUID runId, long seq, String error);
}
