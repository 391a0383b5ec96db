/**
 * The control plane ({@code gpu-agent server}): {@link dev.gpuagent.server.ServerSettings} and the
 * {@link dev.gpuagent.server.ControlPlane} that wires the stores, the public API ({@code api}) and the
 * HTTP listener ({@code http}) together.
 */
package dev.gpuagent.server;
