package dev.gpuagent.server.dispatch;

import dev.gpuagent.server.store.RunStatus;

/**
 * What a worker's {@code node_started}, {@code progress} and {@code uploading} ask of the run record:
 * a forward status ({@code running}, {@code uploading}), a progress value, a live status; each may be
 * absent (null). While one report of a lease is being committed, later ones merge into one pending
 * report (the newest value of each field wins, the status only moves forward), so a fast graph costs
 * one or two store writes however many node events it sends. The record still shows every accepted
 * message within the 50 ms of docs/protocol.md section 8: a commit takes about a millisecond.
 */
record RunReport(RunStatus status, Double progress, String liveStatus) {

  static RunReport status(RunStatus status, String liveStatus) {
    return new RunReport(status, null, liveStatus);
  }

  static RunReport progress(double value, String liveStatus) {
    return new RunReport(null, value, liveStatus);
  }

  /** This report followed by {@code newer}, as one. */
  RunReport then(RunReport newer) {
    return new RunReport(later(status, newer.status), newer.progress != null ? newer.progress : progress,
        newer.liveStatus != null ? newer.liveStatus : liveStatus);
  }

  private static RunStatus later(RunStatus a, RunStatus b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a == RunStatus.UPLOADING || b == RunStatus.UPLOADING ? RunStatus.UPLOADING : b;
  }
}
