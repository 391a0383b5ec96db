package dev.gpuagent.server.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One file a run produced: which attempt and node made it, its name and media type, size and
 * SHA-256 (hex), and the key under which the server's output storage keeps the bytes.
 */
public record RunOutput(UUID runId, int attempt, String nodeId, String classType, String filename, String mediaType,
    long sizeBytes, String sha256, String storageKey, Instant createdAt) {

  public RunOutput {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(classType, "classType");
    Objects.requireNonNull(filename, "filename");
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(storageKey, "storageKey");
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("sizeBytes must be >= 0");
    }
  }
}
