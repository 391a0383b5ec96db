package dev.gpuagent.gpu;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/** The allocator's driver calls through JCuda, each with the device's context made current. */
final class JCudaMemory implements DeviceAllocator.Driver<CUdeviceptr> {
  private final CudaDevice device;

  JCudaMemory(CudaDevice device) {
    this.device = device;
  }

  @Override
  public CUdeviceptr allocate(long bytes) {
    device.makeCurrent();
    CUdeviceptr pointer = new CUdeviceptr();
    try {
      JCudaDriver.cuMemAlloc(pointer, bytes);
      return pointer;
    } catch (CudaException e) {
      if (CudaErrors.isOutOfMemory(CudaErrors.code(e))) {
        return null;
      }
      throw e;
    }
  }

  @Override
  public void free(CUdeviceptr pointer) {
    device.makeCurrent();
    JCudaDriver.cuMemFree(pointer);
  }

  @Override
  public long[] memoryInfo() {
    device.makeCurrent();
    long[] free = new long[1];
    long[] total = new long[1];
    try {
      JCudaDriver.cuMemGetInfo(free, total);
    } catch (CudaException e) {
      return new long[] {0, device.info().totalMemory()};
    }
    return new long[] {free[0], total[0]};
  }

  @Override
  public void synchronize() {
    device.makeCurrent();
    JCudaDriver.cuCtxSynchronize();
  }
}
