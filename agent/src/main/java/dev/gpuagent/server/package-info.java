/**
 * The control plane ({@code gpu-agent server}): {@link dev.gpuagent.server.ServerSettings} and the
 * {@link dev.gpuagent.server.ControlPlane} that wires the stores, the public API ({@code api}) and the
 * HTTP listener ({@code http}) together, and {@link dev.gpuagent.server.RunEvents}, which the API and
 * the dispatcher tell of run changes (the webhook sender, {@code webhooks}, listens).
 */
package dev.gpuagent.server;
