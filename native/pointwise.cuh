// Element-wise kernels: ImageInvert / InvertMask, EmptyImage / SolidMask fills, ThresholdMask,
// MaskToImage, ImageToMask, the alpha fix of two-image nodes, and the float -> uint8 conversion of
// SaveImage / PreviewImage. Flat grid-stride loops; float4 accesses when the buffers allow.
#pragma once

#include "common.cuh"

// out = 1 - in (ImageBasics.invert, MaskOps.invert).
GA_KERNEL ga_invert(const float* __restrict__ in, float* __restrict__ out, ga_i64 n) {
  if (ga_aligned16(in, out)) {
    ga_i64 n4 = n >> 2;
    const float4* in4 = reinterpret_cast<const float4*>(in);
    float4* out4 = reinterpret_cast<float4*>(out);
    GA_FOR_FLAT(i, n4) {
      float4 v = in4[i];
      out4[i] = make_float4(1.f - v.x, 1.f - v.y, 1.f - v.z, 1.f - v.w);
    }
    GA_FOR_FLAT(i, n - (n4 << 2)) {
      ga_i64 k = (n4 << 2) + i;
      out[k] = 1.f - in[k];
    }
  } else {
    GA_FOR_FLAT(i, n) {
      out[i] = 1.f - in[i];
    }
  }
}

// out[i] = value (MaskOps.solid).
GA_KERNEL ga_fill(float* __restrict__ out, ga_i64 n, float value) {
  if (ga_aligned16(out, out)) {
    ga_i64 n4 = n >> 2;
    float4* out4 = reinterpret_cast<float4*>(out);
    GA_FOR_FLAT(i, n4) {
      out4[i] = make_float4(value, value, value, value);
    }
    GA_FOR_FLAT(i, n - (n4 << 2)) {
      out[(n4 << 2) + i] = value;
    }
  } else {
    GA_FOR_FLAT(i, n) {
      out[i] = value;
    }
  }
}

template <int C>
__device__ __forceinline__ void ga_fill_pixels_c(float* __restrict__ out, ga_i64 n, int channels,
    float c0, float c1, float c2, float c3) {
  int ch = C > 0 ? C : channels;
  GA_FOR_FLAT(i, n) {
    int c = (int)(i % ch);  // a constant divisor when C > 0: a multiply, not a division
    out[i] = c == 0 ? c0 : (c == 1 ? c1 : (c == 2 ? c2 : c3));
  }
}

// out[p * channels + c] = color[c] for every pixel p; channels 1..4 (ImageBasics.solid).
GA_KERNEL ga_fill_pixels(float* __restrict__ out, ga_i64 n, int channels, float c0, float c1,
    float c2, float c3) {
  switch (channels) {
    case 3: ga_fill_pixels_c<3>(out, n, channels, c0, c1, c2, c3); break;
    case 4: ga_fill_pixels_c<4>(out, n, channels, c0, c1, c2, c3); break;
    default: ga_fill_pixels_c<0>(out, n, channels, c0, c1, c2, c3); break;
  }
}

// out = in > t ? 1 : 0, NaN giving 0 (MaskOps.threshold; t already rounded to float).
GA_KERNEL ga_threshold(const float* __restrict__ in, float* __restrict__ out, ga_i64 n, float t) {
  if (ga_aligned16(in, out)) {
    ga_i64 n4 = n >> 2;
    const float4* in4 = reinterpret_cast<const float4*>(in);
    float4* out4 = reinterpret_cast<float4*>(out);
    GA_FOR_FLAT(i, n4) {
      float4 v = in4[i];
      out4[i] = make_float4(v.x > t ? 1.f : 0.f, v.y > t ? 1.f : 0.f, v.z > t ? 1.f : 0.f,
          v.w > t ? 1.f : 0.f);
    }
    GA_FOR_FLAT(i, n - (n4 << 2)) {
      ga_i64 k = (n4 << 2) + i;
      out[k] = in[k] > t ? 1.f : 0.f;
    }
  } else {
    GA_FOR_FLAT(i, n) {
      out[i] = in[i] > t ? 1.f : 0.f;
    }
  }
}

// A mask [pixels] repeated into three channels [pixels, 3] (MaskOps.toImage); one thread per output
// element, so the stores coalesce.
GA_KERNEL ga_mask_to_image(const float* __restrict__ mask, float* __restrict__ out, ga_i64 pixels) {
  GA_FOR_FLAT(i, pixels * 3) {
    out[i] = mask[i / 3];
  }
}

// out[p] = in[p * channels + channel] (MaskOps.channel, ImageToMask).
GA_KERNEL ga_extract_channel(const float* __restrict__ in, float* __restrict__ out, ga_i64 pixels,
    int channels, int channel) {
  GA_FOR_FLAT(p, pixels) {
    out[p] = in[p * channels + channel];
  }
}

// AlphaFix.fit: copies min(cin, cout) channels of each pixel and sets the others to 1. Rows of
// `width` pixels over y, so the per-element division is a 32-bit one.
GA_KERNEL ga_alpha_fit(const float* __restrict__ in, float* __restrict__ out, int rows, int width,
    int cin, int cout) {
  int rowOut = width * cout;
  GA_FOR_Y(r, rows) {
    const float* src = in + (ga_i64)r * width * cin;
    float* dst = out + (ga_i64)r * rowOut;
    GA_FOR_X(j, rowOut) {
      int x = j / cout;
      int c = j - x * cout;
      dst[j] = c < cin ? src[x * cin + c] : 1.f;
    }
  }
}

// PngEncoder.toByte: clip(255 x, 0, 255) truncated toward zero, NaN giving 0 (fmaxf drops NaN).
__device__ __forceinline__ unsigned char ga_to_byte(float x) {
  return (unsigned char)(int)fminf(fmaxf(__fmul_rn(255.f, x), 0.f), 255.f);
}

// The uint8 pixels SaveImage encodes: out[i] = toByte(in[i]).
GA_KERNEL ga_to_u8(const float* __restrict__ in, unsigned char* __restrict__ out, ga_i64 n) {
  if ((((uintptr_t)in) & 15) == 0 && (((uintptr_t)out) & 3) == 0) {
    ga_i64 n4 = n >> 2;
    const float4* in4 = reinterpret_cast<const float4*>(in);
    uchar4* out4 = reinterpret_cast<uchar4*>(out);
    GA_FOR_FLAT(i, n4) {
      float4 v = in4[i];
      out4[i] = make_uchar4(ga_to_byte(v.x), ga_to_byte(v.y), ga_to_byte(v.z), ga_to_byte(v.w));
    }
    GA_FOR_FLAT(i, n - (n4 << 2)) {
      ga_i64 k = (n4 << 2) + i;
      out[k] = ga_to_byte(in[k]);
    }
  } else {
    GA_FOR_FLAT(i, n) {
      out[i] = ga_to_byte(in[i]);
    }
  }
}

// A copy kernel the benchmark uses to measure launch overhead (n = 1) and plain copy bandwidth.
GA_KERNEL ga_copy(const float* __restrict__ in, float* __restrict__ out, ga_i64 n) {
  GA_FOR_FLAT(i, n) {
    out[i] = in[i];
  }
}
