package dev.gpuagent.server.store;

import java.time.Instant;
import java.util.UUID;

/**
 * One webhook event of a run: {@code seq} orders a run's events (delivered strictly in that order),
 * {@code payload} is the JSON body, {@code attempts} the tries so far.
 */
public record WebhookDelivery(UUID runId, long seq, String eventType, String payload, Status status, int attempts,
    Instant nextAttemptAt, String lastError, Instant createdAt, Instant deliveredAt) {

  /** Where a delivery stands. */
  public enum Status {
    PENDING("pending"),
    DELIVERED("delivered"),
    FAILED("failed");

    private final String wireName;

    Status(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    static Status of(String wireName) {
      for (Status status : values()) {
        if (status.wireName.equals(wireName)) {
          return status;
        }
      }
      throw new IllegalArgumentException("unknown delivery status '" + wireName + "'");
    }
  }
}
