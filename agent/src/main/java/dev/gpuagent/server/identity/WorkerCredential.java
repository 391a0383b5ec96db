package dev.gpuagent.server.identity;

import java.util.UUID;

/** The worker token a worker authenticated with: its id and the name it was created with (may be null). */
public record WorkerCredential(UUID tokenId, String name) {}
