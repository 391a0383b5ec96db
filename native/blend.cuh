// ImageBlend (Blend.blend) and ImageCompositeMasked (Composite.composite). Operation by operation
// in the CPU code's order with the _rn intrinsics, so results are bit-identical to the CPU backend.
#pragma once

#include "common.cuh"

// Blend modes in ComfyUI's option order (Blend.Mode ordinals).
#define GA_BLEND_NORMAL 0
#define GA_BLEND_MULTIPLY 1
#define GA_BLEND_SCREEN 2
#define GA_BLEND_OVERLAY 3
#define GA_BLEND_SOFT_LIGHT 4
#define GA_BLEND_DIFFERENCE 5

// ComfyUI's soft-light helper: ((16x - 12)x + 4)x up to 0.25, sqrt(x) above.
__device__ __forceinline__ float ga_soft_light_g(float x) {
  return x <= 0.25f
      ? __fmul_rn(__fadd_rn(__fmul_rn(__fsub_rn(__fmul_rn(16.f, x), 12.f), x), 4.f), x)
      : __fsqrt_rn(x);
}

template <int MODE>
__device__ __forceinline__ float ga_blend1(float a, float b, float keep, float f) {
  float m;
  if (MODE == GA_BLEND_NORMAL) {
    m = b;
  } else if (MODE == GA_BLEND_MULTIPLY) {
    m = __fmul_rn(a, b);
  } else if (MODE == GA_BLEND_SCREEN) {
    m = __fsub_rn(1.f, __fmul_rn(__fsub_rn(1.f, a), __fsub_rn(1.f, b)));
  } else if (MODE == GA_BLEND_OVERLAY) {
    m = a <= 0.5f ? __fmul_rn(__fmul_rn(2.f, a), b)
                  : __fsub_rn(1.f, __fmul_rn(__fmul_rn(2.f, __fsub_rn(1.f, a)), __fsub_rn(1.f, b)));
  } else if (MODE == GA_BLEND_SOFT_LIGHT) {
    m = b <= 0.5f
        ? __fsub_rn(a, __fmul_rn(__fmul_rn(__fsub_rn(1.f, __fmul_rn(2.f, b)), a), __fsub_rn(1.f, a)))
        : __fadd_rn(a, __fmul_rn(__fsub_rn(__fmul_rn(2.f, b), 1.f), __fsub_rn(ga_soft_light_g(a), a)));
  } else {
    m = __fsub_rn(a, b);
  }
  return ga_clamp01(__fadd_rn(__fmul_rn(a, keep), __fmul_rn(m, f)));
}

template <int MODE>
__device__ __forceinline__ void ga_blend_mode(const float* __restrict__ a, const float* __restrict__ b,
    float* __restrict__ out, int batch, int batchA, int batchB, ga_i64 perImage, float keep, float f) {
  bool vec = (perImage & 3) == 0 && ga_aligned16(a, b) && ga_aligned16(out, out);
  GA_FOR_Y(i, batch) {
    const float* x = a + (batchA == 1 ? 0 : (ga_i64)i) * perImage;
    const float* y = b + (batchB == 1 ? 0 : (ga_i64)i) * perImage;
    float* o = out + (ga_i64)i * perImage;
    if (vec) {
      const float4* x4 = reinterpret_cast<const float4*>(x);
      const float4* y4 = reinterpret_cast<const float4*>(y);
      float4* o4 = reinterpret_cast<float4*>(o);
      GA_FOR_FLAT(k, perImage >> 2) {
        float4 p = x4[k];
        float4 q = y4[k];
        o4[k] = make_float4(ga_blend1<MODE>(p.x, q.x, keep, f), ga_blend1<MODE>(p.y, q.y, keep, f),
            ga_blend1<MODE>(p.z, q.z, keep, f), ga_blend1<MODE>(p.w, q.w, keep, f));
      }
    } else {
      GA_FOR_FLAT(k, perImage) {
        o[k] = ga_blend1<MODE>(x[k], y[k], keep, f);
      }
    }
  }
}

// out = clamp(a * keep + M(a, b) * f, 0, 1), keep = (float)(1 - factor), f = (float)factor.
// Grid: x over the elements of one image, y over the output batch; an input with a batch of 1 is
// broadcast (batchA or batchB == 1).
GA_KERNEL ga_blend(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out,
    int batch, int batchA, int batchB, ga_i64 perImage, float keep, float f, int mode) {
  switch (mode) {
    case GA_BLEND_NORMAL: ga_blend_mode<GA_BLEND_NORMAL>(a, b, out, batch, batchA, batchB, perImage, keep, f); break;
    case GA_BLEND_MULTIPLY: ga_blend_mode<GA_BLEND_MULTIPLY>(a, b, out, batch, batchA, batchB, perImage, keep, f); break;
    case GA_BLEND_SCREEN: ga_blend_mode<GA_BLEND_SCREEN>(a, b, out, batch, batchA, batchB, perImage, keep, f); break;
    case GA_BLEND_OVERLAY: ga_blend_mode<GA_BLEND_OVERLAY>(a, b, out, batch, batchA, batchB, perImage, keep, f); break;
    case GA_BLEND_SOFT_LIGHT: ga_blend_mode<GA_BLEND_SOFT_LIGHT>(a, b, out, batch, batchA, batchB, perImage, keep, f); break;
    default: ga_blend_mode<GA_BLEND_DIFFERENCE>(a, b, out, batch, batchA, batchB, perImage, keep, f); break;
  }
}

template <int C>
__device__ __forceinline__ void ga_composite_c(const float* __restrict__ dst, const float* __restrict__ src,
    const float* __restrict__ mask, float* __restrict__ out, int rows, int dh, int dw, int channels,
    int sh, int sw, int sb, int mb, int left, int top, int right, int bottom) {
  const int c = C > 0 ? C : channels;
  const int rowLen = dw * c;
  const int lo = left * c;
  const int hi = right * c;
  GA_FOR_Y(r, rows) {
    int b = r / dh;
    int row = r - b * dh;
    const float* d = dst + (ga_i64)r * rowLen;
    float* o = out + (ga_i64)r * rowLen;
    bool inside = row >= top && row < bottom;
    int sy = row - top;
    const float* s = src + ((ga_i64)(b % sb) * sh + sy) * sw * c;
    const float* m = mask == nullptr ? nullptr : mask + ((ga_i64)(b % mb) * sh + sy) * sw;
    GA_FOR_X(j, rowLen) {
      float v = d[j];
      if (inside && j >= lo && j < hi) {
        int k = j - lo;  // element within the source row
        if (m == nullptr) {
          v = s[k];
        } else {
          float w = m[k / c];
          float inv = 1.f - w;
          v = __fadd_rn(__fmul_rn(w, s[k]), __fmul_rn(inv, v));
        }
      }
      o[j] = v;
    }
  }
}

// Composite.composite: out = destination, with out = m * src + (1 - m) * out over the visible
// region [left, right) x [top, bottom) (already clipped to the destination) and a plain copy of the
// source there when mask is null. Image i of the output uses source i % sb and mask i % mb.
// Grid: x over the elements of a row, y over batch * dh rows.
GA_KERNEL ga_composite(const float* __restrict__ dst, const float* __restrict__ src,
    const float* __restrict__ mask, float* __restrict__ out, int batch, int dh, int dw, int channels,
    int sh, int sw, int sb, int mb, int left, int top, int right, int bottom) {
  int rows = batch * dh;
  switch (channels) {
    case 3: ga_composite_c<3>(dst, src, mask, out, rows, dh, dw, channels, sh, sw, sb, mb, left, top, right, bottom); break;
    case 4: ga_composite_c<4>(dst, src, mask, out, rows, dh, dw, channels, sh, sw, sb, mb, left, top, right, bottom); break;
    default: ga_composite_c<0>(dst, src, mask, out, rows, dh, dw, channels, sh, sw, sb, mb, left, top, right, bottom); break;
  }
}
