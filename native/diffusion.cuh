// ImageAnisotropicDiffusion (cpu/Diffusion.java): one explicit Perona-Malik step per launch, the
// host ping-ponging two buffers. For pixel p and its 4 neighbours (none across the border):
//   d_n = I(n) - I(p), flux g(d) d with g(d) = exp(-(d/kappa)^2) or 1 / (1 + (d/kappa)^2),
//   I'(p) = I(p) + lambda * (south - north + east - west)
// where north/west are the fluxes of the edges above/left written as the neighbour's d (so every edge's
// flux is one expression, computed identically by the two pixels that share it: the scheme
// conserves the image's sum as the CPU's does). Float arithmetic (the CPU uses double): within
// 1e-5 of the CPU over the node's step counts. Neighbour reads hit L1/L2; no shared tile needed
// for a 5-point stencil.
#pragma once

#include "common.cuh"

__device__ __forceinline__ float ga_pm_flux(float d, float invKappa2, int exponential) {
  float q = __fmul_rn(__fmul_rn(d, d), invKappa2);
  return exponential ? __fmul_rn(d, expf(-q)) : __fdiv_rn(d, __fadd_rn(1.f, q));
}

// Grid: x over the elements of a row (W * C), y over batch * H rows.
GA_KERNEL ga_diffusion_step(const float* __restrict__ src, float* __restrict__ dst, int batch,
    int height, int width, int channels, float invKappa2, float lambda, int exponential) {
  const int rowLen = width * channels;
  GA_FOR_Y(r, batch * height) {
    int y = r % height;
    const float* s = src + (ga_i64)r * rowLen;
    float* o = dst + (ga_i64)r * rowLen;
    GA_FOR_X(j, rowLen) {
      float p = s[j];
      float north = y > 0 ? ga_pm_flux(__fsub_rn(p, s[j - rowLen]), invKappa2, exponential) : 0.f;
      float south = y < height - 1 ? ga_pm_flux(__fsub_rn(s[j + rowLen], p), invKappa2, exponential) : 0.f;
      float east = j + channels < rowLen ? ga_pm_flux(__fsub_rn(s[j + channels], p), invKappa2, exponential) : 0.f;
      float sum = __fadd_rn(__fsub_rn(south, north), east);
      if (j >= channels) {
        sum = __fsub_rn(sum, ga_pm_flux(__fsub_rn(p, s[j - channels]), invKappa2, exponential));
      }
      o[j] = __fadd_rn(p, __fmul_rn(lambda, sum));
    }
  }
}
