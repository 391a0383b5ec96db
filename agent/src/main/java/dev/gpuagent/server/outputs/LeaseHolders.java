package dev.gpuagent.server.outputs;

import dev.gpuagent.server.identity.WorkerCredential;

/**
 * Rule 2 of the lease check for uploads (docs/protocol.md section 6): is the worker id a lease was
 * granted to one that connected with this worker token? The dispatcher knows which token each worker
 * id connected with and supplies the real answer; {@link #ANY_WORKER_TOKEN} accepts every valid token,
 * leaving the lease id and fencing token (random and unguessable, server-wide increasing) to fence.
 */
@FunctionalInterface
public interface LeaseHolders {
  LeaseHolders ANY_WORKER_TOKEN = (credential, workerId) -> true;

  boolean holds(WorkerCredential credential, String workerId);
}
