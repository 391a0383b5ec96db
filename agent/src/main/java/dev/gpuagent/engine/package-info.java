/**
 * Executes validated workflow plans on a {@link dev.gpuagent.engine.Backend}: dependency order,
 * release of intermediate tensors after their last consumer, progress and live status events,
 * cancellation and deadlines through one token. Knows nothing of HTTP, the server or CUDA.
 */
package dev.gpuagent.engine;
