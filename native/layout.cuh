// ImageCrop and ImagePadForOutpaint (Layout.crop, Layout.pad, Layout.outpaintMask).
#pragma once

#include "common.cuh"

// out[b, y, x, c] = in[b, y0 + y, x0 + x, c] for an out of outH x outW; the region is inside the
// image (the caller clips it). Grid: x over the elements of an output row, y over batch * outH rows.
GA_KERNEL ga_crop(const float* __restrict__ in, float* __restrict__ out, int batch, int inH, int inW,
    int channels, int x0, int y0, int outH, int outW) {
  int rowLen = outW * channels;
  GA_FOR_Y(r, batch * outH) {
    int b = r / outH;
    int row = r - b * outH;
    const float* s = in + (((ga_i64)b * inH + y0 + row) * inW + x0) * channels;
    float* o = out + (ga_i64)r * rowLen;
    GA_FOR_X(j, rowLen) {
      o[j] = s[j];
    }
  }
}

// The image on a canvas grown by left/top (and right/bottom: outH = inH + top + bottom, outW =
// inW + left + right), the margins set to `fill` in every channel. Grid as ga_crop's over the output.
GA_KERNEL ga_pad(const float* __restrict__ in, float* __restrict__ out, int batch, int inH, int inW,
    int channels, int left, int top, int outH, int outW, float fill) {
  int rowLen = outW * channels;
  int lo = left * channels;
  int hi = (left + inW) * channels;
  GA_FOR_Y(r, batch * outH) {
    int b = r / outH;
    int sy = r - b * outH - top;
    bool rowInside = sy >= 0 && sy < inH;
    const float* s = in + ((ga_i64)b * inH + sy) * inW * channels - lo;
    float* o = out + (ga_i64)r * rowLen;
    GA_FOR_X(j, rowLen) {
      o[j] = rowInside && j >= lo && j < hi ? s[j] : fill;
    }
  }
}

// ImagePadForOutpaint's mask [1, outH, outW]: 1 on the margins; inside the h x w image 0, or
// ((feathering - d) / feathering)^2 (in double, stored as float) within `feathering` of a padded
// side, d = min over padded sides of the distance as ComfyUI counts it (i from the top, h - i from
// the bottom, j from the left, w - j from the right). feather = 0 when 2 * feathering is not below
// both h and w. Grid: x over columns, y over rows.
GA_KERNEL ga_outpaint_mask(float* __restrict__ out, int h, int w, int left, int top, int right,
    int bottom, int feathering, int feather) {
  int outH = h + top + bottom;
  int outW = w + left + right;
  GA_FOR_Y(row, outH) {
    int i = row - top;
    float* o = out + (ga_i64)row * outW;
    GA_FOR_X(col, outW) {
      int j = col - left;
      float v;
      if (i < 0 || i >= h || j < 0 || j >= w) {
        v = 1.f;
      } else if (!feather) {
        v = 0.f;
      } else {
        int down = min(top != 0 ? i : h, bottom != 0 ? h - i : h);
        int across = min(left != 0 ? j : w, right != 0 ? w - j : w);
        int d = min(down, across);
        if (d < feathering) {
          double f = __ddiv_rn((double)(feathering - d), (double)feathering);
          v = __double2float_rn(__dmul_rn(f, f));
        } else {
          v = 0.f;
        }
      }
      o[col] = v;
    }
  }
}
