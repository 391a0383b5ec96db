package dev.gpuagent.server.api;

import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run as {@code GET /api/run/{run_id}} answers it: every field of ComfyDeploy's run record (seed
 * 001) in its order, null where gpu-agent has no such thing, plus {@code error} on a failed run.
 */
final class RunView {
  private RunView() {}

  static Map<String, Object> of(Run run) {
    return of(run, RunOutputs.STORED);
  }

  static Map<String, Object> of(Run run, RunOutputs outputs) {
    Map<String, Object> view = new LinkedHashMap<>();
    String deployment = run.deploymentId() == null ? null : run.deploymentId().toString();
    view.put("id", run.id().toString());
    view.put("workflow_version_id", deployment);
    view.put("workflow_inputs", JsonText.tree(run.workflowInputs()));
    view.put("workflow_id", deployment);
    view.put("workflow_api", JsonText.tree(run.workflowApi()));
    view.put("machine_id", run.machineId());
    view.put("origin", run.origin());
    view.put("status", run.status().wireName());
    view.put("ended_at", JsonText.time(run.endedAt()));
    view.put("created_at", JsonText.time(run.createdAt()));
    view.put("updated_at", JsonText.time(run.updatedAt()));
    view.put("queued_at", JsonText.time(run.queuedAt()));
    view.put("started_at", JsonText.time(run.startedAt()));
    view.put("gpu_event_id", run.gpuEventId());
    view.put("gpu", run.gpu());
    view.put("machine_version", null);
    view.put("machine_type", null);
    view.put("modal_function_call_id", null);
    view.put("user_id", null);
    view.put("org_id", run.orgId().toString());
    view.put("live_status", run.liveStatus());
    view.put("progress", run.progress());
    view.put("is_realtime", false);
    view.put("webhook", run.webhook());
    view.put("webhook_status", run.webhookStatus());
    view.put("webhook_intermediate_status", run.webhookIntermediateStatus());
    view.put("outputs", outputs.render(run));
    view.put("number", run.number());
    view.put("duration", run.duration());
    view.put("cold_start_duration", run.coldStartDuration());
    view.put("cold_start_duration_total", run.coldStartDurationTotal());
    view.put("run_duration", run.runDuration());
    if (run.status() == RunStatus.FAILED || run.error() != null) {
      view.put("error", JsonText.tree(run.error()));
    }
    return view;
  }
}
