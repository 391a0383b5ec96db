package dev.gpuagent.server.store;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** Metadata of the files runs produced (the bytes live in the server's output storage). */
public interface OutputStore {
  /**
   * Records a file uploaded under the lease whose fencing token is {@code fencingToken}; the attempt
   * and creation time are the store's ({@code output}'s are ignored). Uploading the same node and
   * file name again in the same attempt (also under a later lease of it) replaces the record. Empty when the token is stale or the
   * run is no longer leased: the upload must be rejected.
   */
  default Optional<RunOutput> add(RunOutput output, long fencingToken) {
    return Futures.join(addAsync(output, fencingToken));
  }

  /** {@link #add}, completing once the record is committed (on the store's writer thread). */
  CompletableFuture<Optional<RunOutput>> addAsync(RunOutput output, long fencingToken);

  /**
   * The files of the run's current (or, once it ended, last) lease, in upload order: a re-queued run's
   * earlier leases are not listed, and until a new lease is taken the closed one's files still are.
   */
  List<RunOutput> list(UUID runId);
}
