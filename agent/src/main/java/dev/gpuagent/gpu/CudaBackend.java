package dev.gpuagent.gpu;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.Backend;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.Shape;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;

/** Runs nodes on one CUDA device through one stream. (Work in progress: API only.) */
public final class CudaBackend implements Backend {

  private CudaBackend() {}

  /**
   * Opens a backend on device {@code deviceIndex}: retains the device's primary context and creates
   * a stream. Throws {@link GpuUnavailableException} (with the reason) when no usable device exists.
   */
  public static CudaBackend open(int deviceIndex) {
    throw new GpuUnavailableException("the CUDA backend is not finished yet");
  }

  /** The backend behind a CUDA node call. */
  public static CudaBackend of(NodeInvocation call) {
    if (call.backend() instanceof CudaBackend cuda) {
      return cuda;
    }
    throw new IllegalStateException("CUDA implementation called on " + call.backend().description());
  }

  /** Uninitialised device memory for a tensor of this shape, from the caching allocator. */
  public CudaTensor allocate(Shape shape) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Copies a host tensor to the device through pinned staging, on this backend's stream. */
  public CudaTensor upload(CpuTensor host) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Copies a device tensor to the host; synchronises the stream. */
  public CpuTensor download(CudaTensor tensor) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Copies {@code bytes} bytes from the device to a new array (uint8 pixels for PNG, say). */
  public byte[] downloadBytes(CUdeviceptr src, long bytes) {
    throw new UnsupportedOperationException("not yet");
  }

  /** A device buffer of at least {@code bytes} bytes, valid until the current node returns. */
  public CUdeviceptr scratch(long bytes) {
    throw new UnsupportedOperationException("not yet");
  }

  /** This backend's stream; the device's context is made current on the calling thread. */
  public CUstream stream() {
    throw new UnsupportedOperationException("not yet");
  }

  /** A kernel of the fatbin module, cached per context. */
  public CUfunction function(String kernelName) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Waits until all work queued on this backend's stream has finished. */
  public void synchronize() {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public BackendKind kind() {
    return BackendKind.CUDA;
  }

  @Override
  public String description() {
    return "cuda";
  }

  @Override
  public void close() {}
}
