// Host emulation of the CUDA features the gpu-agent kernels use, so the kernels' index and
// arithmetic logic can be checked on a machine without a GPU (native/emu/check_kernels.py).
// Blocks run one after another; the threads of a block run as real threads when the kernel
// synchronises (__syncthreads is a barrier), else one after another on the calling thread.
#pragma once
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

struct ga_uint3 { unsigned x = 0, y = 0, z = 0; };
struct dim3 { unsigned x = 1, y = 1, z = 1; };
inline thread_local ga_uint3 threadIdx;
inline thread_local ga_uint3 blockIdx;
inline dim3 gridDim;
inline dim3 blockDim;
inline thread_local std::barrier<>* ga_emu_barrier = nullptr;
inline std::vector<float> ga_emu_dynamic_shared(1 << 16);

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__
#define __shared__ static
inline void __syncthreads() { ga_emu_barrier->arrive_and_wait(); }

using std::max;
using std::min;

struct alignas(16) float4 { float x, y, z, w; };
struct alignas(4) uchar4 { unsigned char x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline uchar4 make_uchar4(unsigned char x, unsigned char y, unsigned char z, unsigned char w) { return {x, y, z, w}; }

// IEEE single operations, never contracted (compile with -ffp-contract=off)
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float fmaf(float a, float b, float c) { return std::fma(a, b, c); }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline float __double2float_rn(double d) { return (float)d; }

inline void ga_emu_launch(dim3 grid, dim3 block, bool sync, const std::function<void()>& body) {
  gridDim = grid;
  blockDim = block;
  for (unsigned bz = 0; bz < grid.z; bz++)
    for (unsigned by = 0; by < grid.y; by++)
      for (unsigned bx = 0; bx < grid.x; bx++) {
        if (!sync) {
          for (unsigned ty = 0; ty < block.y; ty++)
            for (unsigned tx = 0; tx < block.x; tx++) {
              blockIdx = {bx, by, bz};
              threadIdx = {tx, ty, 0};
              body();
            }
          continue;
        }
        std::barrier<> barrier((std::ptrdiff_t)(block.x * block.y));
        std::vector<std::thread> threads;
        for (unsigned ty = 0; ty < block.y; ty++)
          for (unsigned tx = 0; tx < block.x; tx++)
            threads.emplace_back([&, bx, by, bz, tx, ty] {
              blockIdx = {bx, by, bz};
              threadIdx = {tx, ty, 0};
              ga_emu_barrier = &barrier;
              body();
            });
        for (auto& t : threads) t.join();
      }
}
