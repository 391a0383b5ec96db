/**
 * Metrics for every mode, through Micrometer rendered by the Prometheus 1.x client. {@link
 * dev.gpuagent.metrics.Metrics} names meters by Prometheus conventions ({@code gpu_agent_} prefix,
 * base units, {@code _total} counters, no ids as labels); {@link dev.gpuagent.metrics.Buckets} holds
 * explicit histogram boundaries that reach hours. Code that measures something takes a {@code
 * Metrics} (or a meter made from one) as a constructor argument; nothing here is static state.
 */
package dev.gpuagent.metrics;
