/**
 * The node library: each node's schema and its CPU and CUDA implementations side by side, grouped by
 * theme, all listed in {@link dev.gpuagent.ops.NodeRegistry#standard()}. Add a node by adding one
 * {@link dev.gpuagent.ops.NodeDefinition} to a group.
 */
package dev.gpuagent.ops;
