/**
 * The control plane's durable store: runs (the queue, leases, fencing, the terminal guard),
 * deployments, run output metadata and webhook deliveries, as small interfaces ({@link
 * dev.gpuagent.server.store.RunStore}, {@link dev.gpuagent.server.store.DeploymentStore}, {@link
 * dev.gpuagent.server.store.OutputStore}, {@link dev.gpuagent.server.store.WebhookStore}) over plain
 * JDBC. The SQL is portable to PostgreSQL; what is SQLite-only (pragmas, the single group-commit
 * writer, file permissions) lives in {@link dev.gpuagent.server.store.SqliteDatabase}, and the one
 * statement that differs lives in {@link dev.gpuagent.server.store.Dialect}. Schema, statuses and
 * semantics: docs/store.md.
 */
package dev.gpuagent.server.store;
