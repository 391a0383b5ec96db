/**
 * Webhook delivery (DESIGN section 2, docs/api.md "Webhooks"): {@link
 * dev.gpuagent.server.webhooks.WebhookEvents} turns run changes into {@code run.updated} events in the
 * durable outbox ({@link dev.gpuagent.server.store.WebhookStore}); {@link
 * dev.gpuagent.server.webhooks.WebhookSender} delivers them on its own threads, one in flight per run,
 * signed per Standard Webhooks ({@link dev.gpuagent.server.webhooks.WebhookSignature}) with the
 * organisation's secret ({@link dev.gpuagent.server.webhooks.WebhookSecrets}), retrying with backoff.
 */
package dev.gpuagent.server.webhooks;
