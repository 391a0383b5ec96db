/**
 * The worker agent: one connection to the control plane (docs/protocol.md), one execution slot per
 * GPU plus CPU slots, leases executed through the engine on their slot's thread, coalesced progress,
 * output uploads over HTTP, cancel, reconnect and resume, drain. {@link dev.gpuagent.worker.WorkerAgent}
 * is the entry point; {@link dev.gpuagent.worker.WorkerSettings} its configuration.
 */
package dev.gpuagent.worker;
