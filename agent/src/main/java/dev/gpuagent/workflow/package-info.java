/**
 * Workflow graphs in ComfyUI's API format: parsing with size limits, node schemas, validation with
 * ComfyUI's error shapes, the execution plan, and ComfyDeploy's external run inputs. Knows nothing of
 * execution, HTTP or CUDA.
 */
package dev.gpuagent.workflow;
