package dev.gpuagent.server.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gpuagent.server.store.RunStatus;
import org.junit.jupiter.api.Test;

/** Reports that wait while another is committed merge into one: newest values, status only forward. */
class RunReportTest {

  @Test
  void nodeEventsOfAFastGraphMergeIntoTheLastOne() {
    RunReport merged = RunReport.status(RunStatus.RUNNING, "Executing EmptyImage (1/3)")
        .then(RunReport.progress(0.5, null))
        .then(RunReport.status(RunStatus.RUNNING, "Executing SaveImage (3/3)"))
        .then(RunReport.status(RunStatus.UPLOADING, null));
    assertEquals(new RunReport(RunStatus.UPLOADING, 0.5, "Executing SaveImage (3/3)"), merged);
  }

  @Test
  void theStatusNeverMovesBackAndAProgressKeepsTheStatus() {
    RunReport merged = RunReport.status(RunStatus.UPLOADING, null)
        .then(RunReport.status(RunStatus.RUNNING, "late"))
        .then(RunReport.progress(0.9, "step 9/10"));
    assertEquals(new RunReport(RunStatus.UPLOADING, 0.9, "step 9/10"), merged);
    assertEquals(new RunReport(null, 0.25, "a"), RunReport.progress(0.1, "a").then(RunReport.progress(0.25, null)));
  }
}
