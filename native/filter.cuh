// ImageBlur and ImageSharpen (cpu/Convolution.java): ComfyUI's 2-D Gaussian kernel is the outer
// product of a normalised 1-D factor w with itself, so both run as a vertical pass into a scratch
// buffer and a horizontal pass into the output, each over a shared-memory tile, with reflect
// indices folded as Convolution.reflect does (any radius, any image size, 1x1 included).
// Mirrored taps are added first, (x[-k] + x[+k]) * w[k], as the CPU code does.
//
// Accumulation: plain float FMAs (blur; within a few ulps of the CPU's double sums), or a
// compensated float-float sum (sharpen, `compensated` != 0) whose rounding to float equals the
// CPU's double sum to within an ulp: sharpen multiplies blur errors by 10 alpha (up to 50).
#pragma once

#include "common.cuh"

#define GA_VT_COLS 32    // elements of a row per vertical tile (one warp)
#define GA_VT_ROWS 64    // output rows per vertical tile
#define GA_VT_THREADS_Y 8

// hi + lo += w * s, the product's rounding error kept (fma) and the sum's (TwoSum).
__device__ __forceinline__ void ga_acc_add(float& hi, float& lo, float w, float s) {
  float p = __fmul_rn(w, s);
  float e = __fmaf_rn(w, s, -p);
  float t = __fadd_rn(hi, p);
  float bp = __fsub_rn(t, hi);
  float err = __fadd_rn(__fsub_rn(hi, __fsub_rn(t, bp)), __fsub_rn(p, bp));
  hi = t;
  lo = __fadd_rn(lo, __fadd_rn(err, e));
}

// Copies the taps from the kernel parameters into shared memory with constant indices only (a
// dynamically indexed parameter struct would be copied to local memory per thread).
__device__ __forceinline__ void ga_stage_taps(const GaTaps& taps, float* ws) {
  if (threadIdx.x == 0 && threadIdx.y == 0) {
#pragma unroll
    for (int k = 0; k <= GA_MAX_RADIUS; k++) {
      ws[k] = taps.w[k];
    }
  }
  __syncthreads();
}

// Vertical pass: out[b, y, j] = sum_d w[|d|] * in[b, reflect(y + d), j] over the rowLen = W * C
// elements j of each row. Block (32, 8); grid x over ceil(rowLen / 32), y over ceil(H / 64), z over
// the batch. Each block stages (64 + 2 radius) source rows of its 32 columns in shared memory.
GA_KERNEL ga_blur_vertical(const float* __restrict__ in, float* __restrict__ out, int batch,
    int height, int rowLen, int radius, GaTaps taps, int compensated) {
  __shared__ float tile[GA_VT_ROWS + 2 * GA_MAX_RADIUS][GA_VT_COLS];
  __shared__ float w[GA_MAX_RADIUS + 1];
  ga_stage_taps(taps, w);
  const int tx = threadIdx.x;
  const int ty = threadIdx.y;
  GA_FOR_Z(b, batch) {
    const float* src = in + (ga_i64)b * height * rowLen;
    float* dst = out + (ga_i64)b * height * rowLen;
    for (int y0 = blockIdx.y * GA_VT_ROWS; y0 < height; y0 += gridDim.y * GA_VT_ROWS) {
      int rows = min(GA_VT_ROWS, height - y0);
      for (int c0 = blockIdx.x * GA_VT_COLS; c0 < rowLen; c0 += gridDim.x * GA_VT_COLS) {
        int col = c0 + tx;
        for (int i = ty; i < rows + 2 * radius; i += GA_VT_THREADS_Y) {
          int sy = ga_reflect(y0 - radius + i, height);
          tile[i][tx] = col < rowLen ? src[(ga_i64)sy * rowLen + col] : 0.f;
        }
        __syncthreads();
        if (col < rowLen) {
          for (int yy = ty; yy < rows; yy += GA_VT_THREADS_Y) {
            int c = yy + radius;
            float v;
            if (compensated) {
              float hi = 0.f;
              float lo = 0.f;
              ga_acc_add(hi, lo, w[0], tile[c][tx]);
              for (int k = 1; k <= radius; k++) {
                ga_acc_add(hi, lo, w[k], __fadd_rn(tile[c - k][tx], tile[c + k][tx]));
              }
              v = __fadd_rn(hi, lo);
            } else {
              v = w[0] * tile[c][tx];
              for (int k = 1; k <= radius; k++) {
                v = fmaf(w[k], __fadd_rn(tile[c - k][tx], tile[c + k][tx]), v);
              }
            }
            dst[(ga_i64)(y0 + yy) * rowLen + col] = v;
          }
        }
        __syncthreads();
      }
    }
  }
}

// Horizontal pass: blur[b, y, x, c] = sum_d w[|d|] * tmp[b, y, reflect(x + d), c]; the output is
// that (sharpen == 0), or clamp(s + amount * (s - blur), 0, 1) in double with s = src[b, y, x, c]
// (sharpen != 0, amount = (float)(10 alpha)). Block: any size (256); grid x over ceil(W / tileW),
// y over H, z over the batch; dynamic shared memory (tileW + 2 radius) * channels floats.
GA_KERNEL ga_blur_horizontal(const float* __restrict__ tmp, const float* __restrict__ src,
    float* __restrict__ out, int batch, int height, int width, int channels, int radius, GaTaps taps,
    int tileW, int sharpen, float amount) {
  extern __shared__ float line[];
  __shared__ float w[GA_MAX_RADIUS + 1];
  ga_stage_taps(taps, w);
  const int c = channels;
  const int rowLen = width * c;
  const int span = (tileW + 2 * radius) * c;
  const int rc = radius * c;
  GA_FOR_Z(b, batch) {
    GA_FOR_Y(y, height) {
      ga_i64 rowBase = ((ga_i64)b * height + y) * rowLen;
      const float* t = tmp + rowBase;
      for (int x0 = blockIdx.x * tileW; x0 < width; x0 += gridDim.x * tileW) {
        for (int i = threadIdx.x; i < span; i += blockDim.x) {
          int p = i / c;
          int ch = i - p * c;
          line[i] = t[ga_reflect(x0 - radius + p, width) * c + ch];
        }
        __syncthreads();
        int count = min(tileW, width - x0) * c;
        for (int e = threadIdx.x; e < count; e += blockDim.x) {
          int centre = e + rc;
          ga_i64 at = rowBase + (ga_i64)x0 * c + e;
          if (sharpen) {
            float hi = 0.f;
            float lo = 0.f;
            ga_acc_add(hi, lo, w[0], line[centre]);
            for (int k = 1, kc = c; k <= radius; k++, kc += c) {
              ga_acc_add(hi, lo, w[k], __fadd_rn(line[centre - kc], line[centre + kc]));
            }
            double x = (double)src[at];
            double blur = __dadd_rn((double)hi, (double)lo);
            double v = __dadd_rn(x, __dmul_rn((double)amount, __dsub_rn(x, blur)));
            out[at] = __double2float_rn(v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v));
          } else {
            float v = w[0] * line[centre];
            for (int k = 1, kc = c; k <= radius; k++, kc += c) {
              v = fmaf(w[k], __fadd_rn(line[centre - kc], line[centre + kc]), v);
            }
            out[at] = v;
          }
        }
        __syncthreads();
      }
    }
  }
}
