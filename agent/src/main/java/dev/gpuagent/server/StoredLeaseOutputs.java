package dev.gpuagent.server;

import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.server.dispatch.LeaseOutputs;
import dev.gpuagent.server.outputs.OutputFiles;
import dev.gpuagent.server.outputs.OutputRecords;
import dev.gpuagent.server.store.OutputStore;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LeaseOutputs} over the output storage: a finished run's {@code outputs} list only the files
 * stored under its lease ({@link OutputRecords#storedUnder}, {@link OutputRecords#toRecord}, which logs
 * what it leaves out), and a re-queued run's old lease loses its files ({@link OutputFiles#deleteLease}).
 */
final class StoredLeaseOutputs implements LeaseOutputs {
  private static final Logger LOG = LoggerFactory.getLogger(StoredLeaseOutputs.class);

  private final OutputStore outputs;
  private final OutputFiles files;

  StoredLeaseOutputs(OutputStore outputs, OutputFiles files) {
    this.outputs = outputs;
    this.files = files;
  }

  @Override
  public String record(UUID runId, long fencingToken, List<OutputSummary> listed) {
    return OutputRecords.toRecord(runId, listed, OutputRecords.storedUnder(outputs, runId, fencingToken));
  }

  @Override
  public void discard(UUID runId, long fencingToken) {
    try {
      int deleted = files.deleteLease(runId, fencingToken);
      if (deleted > 0) {
        LOG.info("run {}: deleted {} output file(s) of the closed lease (token {})", runId, deleted, fencingToken);
      }
    } catch (RuntimeException e) {
      // A file left behind is never served (the record lists only the current lease's files).
      LOG.warn("run {}: cannot delete the output files of lease token {}: {}", runId, fencingToken, e.toString());
    }
  }
}
