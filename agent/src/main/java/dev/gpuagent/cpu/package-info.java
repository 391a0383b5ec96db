/**
 * The CPU backend: float32 tensors in host arrays ({@code [B,H,W,C]}, interleaved as ComfyUI's) and
 * the multi-threaded numeric kernels the node library's CPU implementations call. Also the reference
 * the CUDA backend is checked against.
 */
package dev.gpuagent.cpu;
