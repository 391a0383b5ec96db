package dev.gpuagent.server.outputs;

import dev.gpuagent.server.identity.WorkerCredential;

/**
 * Rule 2 of the lease check for uploads (docs/protocol.md section 6): was the lease granted to a worker
 * that connected with the upload's token? The dispatcher knows which token each worker id connected
 * with and supplies the answer ({@code RunDispatcher.connectedWith}, wired by the control plane).
 */
@FunctionalInterface
public interface LeaseHolders {
  boolean holds(WorkerCredential credential, String workerId);
}
