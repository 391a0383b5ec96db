// Builds the kernels of native/ for the host emulation (see emu.h) and exports one C entry per
// kernel, taking the grid and block first and then the kernel's own parameters.
#include "emu.h"

#define extern_shared_line float* line = ga_emu_dynamic_shared.data()
#include "kernels_emu.inc"

#define GRID dim3{(unsigned)gx, (unsigned)gy, (unsigned)gz}, dim3{(unsigned)bx, (unsigned)by, 1}
#define EMU(name, sync, params, args) \
  extern "C" void emu_##name(int gx, int gy, int gz, int bx, int by, params) { \
    ga_emu_launch(GRID, sync, [&] { name args; }); \
  }
#define P(...) __VA_ARGS__

EMU(ga_invert, false, P(const float* in, float* out, long long n), P((in, out, n)))
EMU(ga_fill, false, P(float* out, long long n, float v), P((out, n, v)))
EMU(ga_fill_pixels, false, P(float* out, long long n, int c, float c0, float c1, float c2, float c3), P((out, n, c, c0, c1, c2, c3)))
EMU(ga_threshold, false, P(const float* in, float* out, long long n, float t), P((in, out, n, t)))
EMU(ga_mask_to_image, false, P(const float* m, float* out, long long p), P((m, out, p)))
EMU(ga_extract_channel, false, P(const float* in, float* out, long long p, int c, int ch), P((in, out, p, c, ch)))
EMU(ga_alpha_fit, false, P(const float* in, float* out, int rows, int w, int ci, int co), P((in, out, rows, w, ci, co)))
EMU(ga_to_u8, false, P(const float* in, unsigned char* out, long long n), P((in, out, n)))
EMU(ga_blend, false, P(const float* a, const float* b, float* out, int batch, int ba, int bb, long long per, float keep, float f, int mode), P((a, b, out, batch, ba, bb, per, keep, f, mode)))
EMU(ga_composite, false, P(const float* d, const float* s, const float* m, float* out, int batch, int dh, int dw, int c, int sh, int sw, int sb, int mb, int l, int t, int r, int b), P((d, s, m, out, batch, dh, dw, c, sh, sw, sb, mb, l, t, r, b)))
EMU(ga_crop, false, P(const float* in, float* out, int batch, int ih, int iw, int c, int x0, int y0, int oh, int ow), P((in, out, batch, ih, iw, c, x0, y0, oh, ow)))
EMU(ga_pad, false, P(const float* in, float* out, int batch, int ih, int iw, int c, int l, int t, int oh, int ow, float fill), P((in, out, batch, ih, iw, c, l, t, oh, ow, fill)))
EMU(ga_outpaint_mask, false, P(float* out, int h, int w, int l, int t, int r, int b, int f, int feather), P((out, h, w, l, t, r, b, f, feather)))
EMU(ga_resize_nearest, false, P(const float* in, float* out, int batch, int sh, int sw, int c, int ry, int rx, int rh, int rw, int oh, int ow), P((in, out, batch, sh, sw, c, ry, rx, rh, rw, oh, ow)))
EMU(ga_resize_separable, false, P(const float* in, float* out, int batch, int sh, int sw, int c, int ry, int rx, int rh, int rw, int oh, int ow, int taps, int vf), P((in, out, batch, sh, sw, c, ry, rx, rh, rw, oh, ow, taps, vf)))
EMU(ga_resize_area, false, P(const float* in, float* out, int batch, int sh, int sw, int c, int ry, int rx, int rh, int rw, int oh, int ow, int gather), P((in, out, batch, sh, sw, c, ry, rx, rh, rw, oh, ow, gather)))
EMU(ga_blur_vertical, true, P(const float* in, float* out, int batch, int h, int rowLen, int r, const float* w, int comp), P((in, out, batch, h, rowLen, r, *(const GaTaps*)w, comp)))
EMU(ga_blur_horizontal, true, P(const float* tmp, const float* src, float* out, int batch, int h, int w, int c, int r, const float* taps, int tile, int sharpen, float amount), P((tmp, src, out, batch, h, w, c, r, *(const GaTaps*)taps, tile, sharpen, amount)))
EMU(ga_diffusion_step, false, P(const float* s, float* d, int batch, int h, int w, int c, float k, float lam, int e), P((s, d, batch, h, w, c, k, lam, e)))
