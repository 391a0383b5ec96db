package dev.gpuagent.gpu;

import java.util.ArrayList;
import java.util.List;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * One kernel launch: the kernel's parameters in declaration order and the grid, queued on the
 * backend's stream with {@code cuLaunchKernel}. Grid dimensions are capped to the hardware limits;
 * every kernel loops (grid-stride) over what one launch does not cover.
 */
final class KernelLaunch {
  /** Threads per block of the one-dimensional kernels. */
  static final int BLOCK = 256;
  /** Enough blocks of 256 to fill any current GPU several times over; loops cover the rest. */
  static final int MAX_FLAT_BLOCKS = 16_384;
  /** The limit of gridDim.y and gridDim.z. */
  static final int MAX_GRID_YZ = 65_535;

  private final String kernel;
  private final List<Pointer> params = new ArrayList<>(16);

  private KernelLaunch(String kernel) {
    this.kernel = kernel;
  }

  static KernelLaunch of(String kernel) {
    return new KernelLaunch(kernel);
  }

  KernelLaunch ptr(CUdeviceptr p) {
    params.add(Pointer.to(p == null ? new CUdeviceptr() : p));
    return this;
  }

  KernelLaunch i32(int v) {
    params.add(Pointer.to(new int[] {v}));
    return this;
  }

  KernelLaunch i64(long v) {
    params.add(Pointer.to(new long[] {v}));
    return this;
  }

  KernelLaunch f32(float v) {
    params.add(Pointer.to(new float[] {v}));
    return this;
  }

  /** A by-value struct of floats (GaTaps). */
  KernelLaunch floats(float[] struct) {
    params.add(Pointer.to(struct));
    return this;
  }

  /** A one-dimensional grid-stride launch over {@code work} items. */
  void flat(CudaBackend backend, long work) {
    grid(backend, flatBlocks(work), 1, 1, BLOCK, 1, 0);
  }

  /** x over the elements of a row, y over rows (grid-stride beyond the limits). */
  void rows(CudaBackend backend, int rowLength, long rows) {
    grid(backend, blocks(rowLength), (int) Math.min(Math.max(rows, 1), MAX_GRID_YZ), 1, BLOCK, 1, 0);
  }

  void grid(CudaBackend backend, int gx, int gy, int gz, int bx, int by, int sharedBytes) {
    Pointer args = Pointer.to(params.toArray(new Pointer[0]));
    int rc = JCudaDriver.cuLaunchKernel(backend.function(kernel), Math.max(1, gx), Math.max(1, gy),
        Math.max(1, gz), bx, by, 1, sharedBytes, backend.stream(), args, null);
    if (rc != CUresult.CUDA_SUCCESS) {
      throw new CudaException(CUresult.stringFor(rc) + " launching " + kernel);
    }
  }

  static int flatBlocks(long work) {
    return (int) Math.max(1, Math.min(MAX_FLAT_BLOCKS, (work + BLOCK - 1) / BLOCK));
  }

  static int blocks(int elements) {
    return Math.max(1, Math.min(MAX_FLAT_BLOCKS, (elements + BLOCK - 1) / BLOCK));
  }

  static int capYz(long n) {
    return (int) Math.max(1, Math.min(n, MAX_GRID_YZ));
  }
}
