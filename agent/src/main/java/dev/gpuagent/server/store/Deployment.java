package dev.gpuagent.server.store;

import java.time.Instant;
import java.util.UUID;

/** A deployment: a validated workflow (JSON text), its derived input schema (JSON text), default GPU and timeout. */
public record Deployment(UUID id, UUID orgId, String name, String workflowApi, String inputSchema, String gpu,
    int runTimeoutS, Instant createdAt, Instant updatedAt) {}
