/**
 * Output storage: the worker's upload endpoint ({@code PUT /worker/v1/runs/{run_id}/outputs/{filename}},
 * fenced by the lease's token), files on disk under {@code DATA_DIR/outputs}, and the signed, expiring
 * download links ({@code GET /outputs/...}) that the run record's {@code outputs} carry. See
 * docs/protocol.md section 10 and docs/api.md "Outputs".
 */
package dev.gpuagent.server.outputs;
