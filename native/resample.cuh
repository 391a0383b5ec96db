// ImageScale / ImageScaleBy / the resizes inside ImageBlend and ImageCompositeMasked:
// torch.nn.functional.interpolate (align_corners=False, no antialias) as cpu/Resample.java,
// cpu/InterpolationTaps.java, cpu/SeparableResize.java and cpu/AreaResize.java compute it, with
// the same float operations in the same order (bit-identical results). Every kernel resizes the
// region [ry, ry + rh) x [rx, rx + rw) of each source image (ComfyUI's centre crop) to outH x outW.
// Grid: x over the elements of an output row, y over batch * outH output rows.
// Lanczos (Pillow's, on 8-bit data) stays on the host: see KERNELS.md.
#pragma once

#include "common.cuh"

// InterpolationTaps.scale: in / out in float.
__device__ __forceinline__ float ga_area_scale(int in, int out) {
  return __fdiv_rn((float)in, (float)out);
}

// Resample.nearestExactIndex: min(floor((float)((o + 0.5) * scale)), in - 1), product in double.
__device__ __forceinline__ int ga_nearest_exact(int o, int in, float scale) {
  float p = __double2float_rn(__dmul_rn((double)o + 0.5, (double)scale));
  return min((int)floorf(p), in - 1);
}

// InterpolationTaps.sourceIndex (align_corners=False).
__device__ __forceinline__ float ga_source_index(float scale, int o, bool cubic) {
  float src = __fsub_rn(__fmul_rn(scale, __fadd_rn((float)o, 0.5f)), 0.5f);
  return !cubic && src < 0.f ? 0.f : src;
}

// Keys' cubic, A = -0.75: ((A + 2) x - (A + 3)) x x + 1 for |x| <= 1.
__device__ __forceinline__ float ga_cubic_near(float x) {
  return __fadd_rn(__fmul_rn(__fmul_rn(__fsub_rn(__fmul_rn(1.25f, x), 2.25f), x), x), 1.f);
}

// ((A x - 5A) x + 8A) x - 4A for 1 < |x| < 2.
__device__ __forceinline__ float ga_cubic_far(float x) {
  return __fsub_rn(
      __fmul_rn(__fadd_rn(__fmul_rn(__fsub_rn(__fmul_rn(-0.75f, x), -3.75f), x), -6.f), x), -3.f);
}

// The K taps (2: linear, 4: cubic) of output position o: source indices (clamped) and weights.
template <int K>
__device__ __forceinline__ void ga_taps(int o, int in, int out, int* idx, float* w) {
  float scale = ga_area_scale(in, out);
  if (K == 2) {
    if (in == out) {
      idx[0] = o;
      idx[1] = o;
      w[0] = 1.f;
      w[1] = 0.f;
    } else {
      float real = ga_source_index(scale, o, false);
      int i0 = min((int)floorf(real), in - 1);
      float l1 = fminf(fmaxf(__fsub_rn(real, (float)i0), 0.f), 1.f);
      idx[0] = i0;
      idx[1] = i0 + (i0 < in - 1 ? 1 : 0);
      w[0] = __fsub_rn(1.f, l1);
      w[1] = l1;
    }
  } else {
    float real = ga_source_index(scale, o, true);
    int i = min((int)floorf(real), in - 1);
    float t = fminf(fmaxf(__fsub_rn(real, (float)i), 0.f), 1.f);
    float x2 = __fsub_rn(1.f, t);
    w[0] = ga_cubic_far(__fadd_rn(t, 1.f));
    w[1] = ga_cubic_near(t);
    w[2] = ga_cubic_near(x2);
    w[3] = ga_cubic_far(__fadd_rn(x2, 1.f));
#pragma unroll
    for (int k = 0; k < 4; k++) {
      idx[k] = max(min(i - 1 + k, in - 1), 0);
    }
  }
}

template <int C>
__device__ __forceinline__ void ga_resize_nearest_c(const float* __restrict__ in, float* __restrict__ out,
    int batch, int srcH, int srcW, int channels, int ry, int rx, int rh, int rw, int outH, int outW) {
  const int c = C > 0 ? C : channels;
  const int rowLen = outW * c;
  float sy = ga_area_scale(rh, outH);
  float sx = ga_area_scale(rw, outW);
  GA_FOR_Y(r, batch * outH) {
    int b = r / outH;
    int oy = r - b * outH;
    const float* s = in + ((ga_i64)b * srcH + ry + ga_nearest_exact(oy, rh, sy)) * srcW * c;
    float* o = out + (ga_i64)r * rowLen;
    GA_FOR_X(j, rowLen) {
      int ox = j / c;
      int ch = j - ox * c;
      o[j] = s[(rx + ga_nearest_exact(ox, rw, sx)) * c + ch];
    }
  }
}

// nearest-exact (Resample.nearestExact).
GA_KERNEL ga_resize_nearest(const float* __restrict__ in, float* __restrict__ out, int batch, int srcH,
    int srcW, int channels, int ry, int rx, int rh, int rw, int outH, int outW) {
  switch (channels) {
    case 1: ga_resize_nearest_c<1>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
    case 3: ga_resize_nearest_c<3>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
    case 4: ga_resize_nearest_c<4>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
    default: ga_resize_nearest_c<0>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
  }
}

// One output element of a separable resize. Horizontal first (PyTorch's order, SeparableResize's
// when the height grows or stays): out = sum_t wy[t] * (sum_k wx[k] * x[row_t, col_k]); vertical
// first (SeparableResize's when the height shrinks): out = sum_k wx[k] * (sum_t wy[t] * x[...]).
// Every sum in tap order, each product rounded, as the CPU code.
template <int K, bool VERTICAL_FIRST, int C>
__device__ __forceinline__ void ga_resize_separable_c(const float* __restrict__ in,
    float* __restrict__ out, int batch, int srcH, int srcW, int channels, int ry, int rx, int rh,
    int rw, int outH, int outW) {
  const int c = C > 0 ? C : channels;
  const int rowLen = outW * c;
  GA_FOR_Y(r, batch * outH) {
    int b = r / outH;
    int oy = r - b * outH;
    int yi[K];
    float wy[K];
    ga_taps<K>(oy, rh, outH, yi, wy);
    const float* rows[K];
#pragma unroll
    for (int t = 0; t < K; t++) {
      rows[t] = in + (((ga_i64)b * srcH + ry + yi[t]) * srcW + rx) * c;
    }
    float* o = out + (ga_i64)r * rowLen;
    GA_FOR_X(j, rowLen) {
      int ox = j / c;
      int ch = j - ox * c;
      int xi[K];
      float wx[K];
      ga_taps<K>(ox, rw, outW, xi, wx);
      float v = 0.f;
      if (VERTICAL_FIRST) {
#pragma unroll
        for (int k = 0; k < K; k++) {
          int col = xi[k] * c + ch;
          float s = __fmul_rn(rows[0][col], wy[0]);
#pragma unroll
          for (int t = 1; t < K; t++) {
            s = __fadd_rn(s, __fmul_rn(rows[t][col], wy[t]));
          }
          v = k == 0 ? __fmul_rn(s, wx[0]) : __fadd_rn(v, __fmul_rn(s, wx[k]));
        }
      } else {
#pragma unroll
        for (int t = 0; t < K; t++) {
          const float* row = rows[t];
          float h = __fmul_rn(row[xi[0] * c + ch], wx[0]);
#pragma unroll
          for (int k = 1; k < K; k++) {
            h = __fadd_rn(h, __fmul_rn(row[xi[k] * c + ch], wx[k]));
          }
          v = t == 0 ? __fmul_rn(h, wy[0]) : __fadd_rn(v, __fmul_rn(h, wy[t]));
        }
      }
      o[j] = v;
    }
  }
}

template <int K, bool VERTICAL_FIRST>
__device__ __forceinline__ void ga_resize_separable_k(const float* __restrict__ in,
    float* __restrict__ out, int batch, int srcH, int srcW, int channels, int ry, int rx, int rh,
    int rw, int outH, int outW) {
  switch (channels) {
    case 1: ga_resize_separable_c<K, VERTICAL_FIRST, 1>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
    case 3: ga_resize_separable_c<K, VERTICAL_FIRST, 3>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
    case 4: ga_resize_separable_c<K, VERTICAL_FIRST, 4>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
    default: ga_resize_separable_c<K, VERTICAL_FIRST, 0>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW); break;
  }
}

// bilinear (taps = 2) and bicubic (taps = 4). verticalFirst must be (outH < rh), the CPU's choice,
// for bit-identical results; either order is within a few ulps of the other.
GA_KERNEL ga_resize_separable(const float* __restrict__ in, float* __restrict__ out, int batch,
    int srcH, int srcW, int channels, int ry, int rx, int rh, int rw, int outH, int outW, int taps,
    int verticalFirst) {
  if (taps == 2) {
    if (verticalFirst) {
      ga_resize_separable_k<2, true>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW);
    } else {
      ga_resize_separable_k<2, false>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW);
    }
  } else {
    if (verticalFirst) {
      ga_resize_separable_k<4, true>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW);
    } else {
      ga_resize_separable_k<4, false>(in, out, batch, srcH, srcW, channels, ry, rx, rh, rw, outH, outW);
    }
  }
}

// AreaResize.start / end: floor(o * in / out) and ceil((o + 1) * in / out), exact integers.
__device__ __forceinline__ int ga_area_start(int o, int in, int out) {
  return (int)(((ga_i64)o * in) / out);
}

__device__ __forceinline__ int ga_area_end(int o, int in, int out) {
  return (int)((((ga_i64)o + 1) * in + out - 1) / out);
}

// area = adaptive_avg_pool2d (AreaResize): per source row of the window, the row's window sum in
// double; the rows' sums added in double; times 1 / (rows * cols) in double, rounded to float once.
// gather != 0 when every window of both axes is one pixel (integer upscales), where AreaResize
// copies the pixel (which keeps -0.0 as it is).
GA_KERNEL ga_resize_area(const float* __restrict__ in, float* __restrict__ out, int batch, int srcH,
    int srcW, int channels, int ry, int rx, int rh, int rw, int outH, int outW, int gather) {
  const int c = channels;
  const int rowLen = outW * c;
  GA_FOR_Y(r, batch * outH) {
    int b = r / outH;
    int oy = r - b * outH;
    int y0 = ga_area_start(oy, rh, outH);
    int y1 = ga_area_end(oy, rh, outH);
    float* o = out + (ga_i64)r * rowLen;
    GA_FOR_X(j, rowLen) {
      int ox = j / c;
      int ch = j - ox * c;
      int x0 = ga_area_start(ox, rw, outW);
      int x1 = ga_area_end(ox, rw, outW);
      if (gather) {
        o[j] = in[(((ga_i64)b * srcH + ry + y0) * srcW + rx + x0) * c + ch];
        continue;
      }
      double acc = 0.0;
      for (int y = y0; y < y1; y++) {
        const float* s = in + (((ga_i64)b * srcH + ry + y) * srcW + rx) * c + ch;
        double sum = 0.0;
        for (int x = x0; x < x1; x++) {
          sum = __dadd_rn(sum, (double)s[x * c]);
        }
        acc = __dadd_rn(acc, sum);
      }
      double inv = __ddiv_rn(1.0, __dmul_rn((double)(y1 - y0), (double)(x1 - x0)));
      o[j] = __double2float_rn(__dmul_rn(acc, inv));
    }
  }
}
