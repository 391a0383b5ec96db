/**
 * The CUDA backend: probing the driver once (CudaProbe), devices and their
 * primary contexts, the per-device caching allocator, pinned staging buffers, event timing, and
 * {@link dev.gpuagent.gpu.CudaBackend}, which node kernels launch through. JCuda's driver API only.
 */
package dev.gpuagent.gpu;
