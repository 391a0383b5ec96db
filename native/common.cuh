// Shared helpers of the gpu-agent kernels. Every kernel works on float32 tensors laid out
// [B,H,W,C] contiguously (MASK: C = 1), the layout of CpuTensor.
//
// Exactness: arithmetic whose result must match the CPU backend bit for bit uses the _rn
// intrinsics (__fmul_rn, __fadd_rn, ...), which nvcc never contracts into a fused multiply-add;
// plain operators are used only where the CPU code has no rounding to reproduce (1 - x) or in the
// filters' accumulations, whose parity tolerance is 1e-5.
#pragma once

#include <stdint.h>

#define GA_KERNEL extern "C" __global__ void

typedef long long ga_i64;

// Flat grid-stride loops: blocks over x, a launch may use fewer blocks than elements.
#define GA_FOR_FLAT(var, n) \
  for (ga_i64 var = (ga_i64)blockIdx.x * blockDim.x + threadIdx.x; var < (n); \
       var += (ga_i64)gridDim.x * blockDim.x)

// Row-shaped grid-stride loops: x over the elements of a row, y over rows, z over images.
#define GA_FOR_X(var, n) \
  for (int var = blockIdx.x * blockDim.x + threadIdx.x; var < (n); var += gridDim.x * blockDim.x)
#define GA_FOR_Y(var, n) for (int var = blockIdx.y; var < (n); var += gridDim.y)
#define GA_FOR_Z(var, n) for (int var = blockIdx.z; var < (n); var += gridDim.z)

// torch.clamp(v, 0, 1) as the CPU code writes it: NaN stays NaN.
__device__ __forceinline__ float ga_clamp01(float v) {
  return v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
}

// Convolution.reflect: folds i into [0, n) by mirroring about the first and last element without
// repeating them (-1 -> 1, n -> n-2), repeatedly, so any i maps (a 1x1 image maps everything to 0).
__device__ __forceinline__ int ga_reflect(int i, int n) {
  if (n == 1) {
    return 0;
  }
  int period = 2 * (n - 1);
  int m = i % period;
  if (m < 0) {
    m += period;
  }
  return m < n ? m : period - m;
}

// True when every pointer is 16-byte aligned, so float4 accesses are legal.
__device__ __forceinline__ bool ga_aligned16(const void* a, const void* b) {
  return ((((uintptr_t)a) | ((uintptr_t)b)) & 15) == 0;
}

// The 1-D Gaussian factor of ImageBlur / ImageSharpen: w[k] weighs the taps -k and +k, k = 0..radius.
// Passed by value (128 bytes of kernel parameters), so concurrent launches never share it.
#define GA_MAX_RADIUS 31
struct GaTaps {
  float w[GA_MAX_RADIUS + 1];
};
