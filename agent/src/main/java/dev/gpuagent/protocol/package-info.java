/**
 * The worker <-> server wire protocol of {@code docs/protocol.md}, shared by both sides: one sealed
 * interface per direction ({@link dev.gpuagent.protocol.WorkerMessage},
 * {@link dev.gpuagent.protocol.ServerMessage}) with a record per message type, the JSON codec
 * ({@link dev.gpuagent.protocol.ProtocolCodec}), protocol constants and defaults
 * ({@link dev.gpuagent.protocol.Protocol}), reconnect backoff ({@link dev.gpuagent.protocol.Backoff})
 * and progress coalescing ({@link dev.gpuagent.protocol.ProgressCoalescer}). Knows nothing of
 * Netty, the store or the engine.
 */
package dev.gpuagent.protocol;
