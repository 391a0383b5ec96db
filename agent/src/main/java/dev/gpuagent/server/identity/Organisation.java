package dev.gpuagent.server.identity;

import java.time.Instant;
import java.util.UUID;

/** An organisation: runs, deployments and API keys belong to one. */
public record Organisation(UUID id, String name, Instant createdAt) {}
