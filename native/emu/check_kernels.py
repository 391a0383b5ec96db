#!/usr/bin/env python3
"""Runs the kernels of native/ under the host emulation (emu.h) against independent references:
numpy, and ComfyUI's own torch formulas (PyTorch CPU) for blend, composite, outpaint, resize, blur
and sharpen. Checks index and edge logic where no GPU is at hand; grids are deliberately small so
that the grid-stride loops run several rounds.

Usage: /usr/bin/python3 native/emu/check_kernels.py   (needs g++, numpy and torch)
"""
import ctypes
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import torch_gpu_ops as comfy  # noqa: E402  (ComfyUI's formulas)

LIB = subprocess.check_output([os.path.join(HERE, "build.sh"), "/tmp/gaemu"]).decode().strip().splitlines()[-1]
lib = ctypes.CDLL(LIB)
failures = []
checks = 0


def ptr(a):
    return a.ctypes.data_as(ctypes.c_void_p) if a is not None else None


def call(name, grid, block, *args):
    conv = []
    for a in args:
        if isinstance(a, np.ndarray):
            conv.append(ptr(a))
        elif a is None:
            conv.append(ctypes.c_void_p(0))
        elif isinstance(a, float):
            conv.append(ctypes.c_float(a))
        elif isinstance(a, tuple) and a[0] == "i64":
            conv.append(ctypes.c_longlong(a[1]))
        else:
            conv.append(ctypes.c_int(a))
    getattr(lib, "emu_" + name)(*[ctypes.c_int(v) for v in list(grid) + list(block)[:2]], *conv)


def i64(v):
    return ("i64", int(v))


def check(label, expected, actual, tol=0.0, ulp=False):
    global checks
    checks += 1
    expected = np.asarray(expected, dtype=np.float32)
    actual = np.asarray(actual, dtype=np.float32)
    if expected.shape != actual.shape:
        failures.append(f"{label}: shape {actual.shape} != {expected.shape}")
        return
    both_nan = np.isnan(expected) & np.isnan(actual)
    if ulp:
        bound = np.spacing(np.maximum(np.abs(expected), np.abs(actual)))
        bad = ~both_nan & ~(np.abs(expected - actual) <= bound)
    else:
        bad = ~both_nan & ~(np.abs(expected.astype(np.float64) - actual) <= tol)
    if bad.any():
        i = np.argwhere(bad)[0]
        failures.append(f"{label}: {bad.sum()} elements differ, first at {tuple(i)}: "
                        f"expected {expected[tuple(i)]!r}, got {actual[tuple(i)]!r}")


rng = np.random.default_rng(7)


def rand(*shape):
    return rng.random(shape, dtype=np.float32)


def edgy(*shape):
    a = rand(*shape)
    special = np.array([0, 1, -0.0, 0.5, 0.25, 0.1, -0.01, 1.01, np.float32(np.nextafter(np.float32(0.5), 1))],
                       dtype=np.float32)
    mask = rng.random(shape) < 0.25
    a[mask] = rng.choice(special, size=mask.sum())
    return a


FLAT = ([3, 1, 1], [32, 1, 1])  # few blocks: grid-stride loops go round


def rows_grid(row_len, rows):
    return [min(2, (row_len + 31) // 32), min(rows, 5), 1], [32, 1, 1]


# ---- element-wise ----
for shape in [(1, 1, 1, 3), (2, 7, 5, 3), (1, 33, 17, 4)]:
    x = edgy(*shape)
    out = np.empty_like(x)
    call("ga_invert", *FLAT, x, out, i64(x.size))
    check(f"invert {shape}", (np.float32(1) - x), out, ulp=True)
    # unaligned buffers take the scalar path
    big = np.zeros(x.size + 1, dtype=np.float32)
    xs = big[1:]
    xs[:] = x.ravel()
    o2 = np.zeros(x.size + 1, dtype=np.float32)[1:]
    call("ga_invert", *FLAT, xs, o2, i64(x.size))
    check(f"invert unaligned {shape}", 1 - x.ravel(), o2, ulp=True)
    for t in [0.0, 0.1, 0.5]:
        call("ga_threshold", *FLAT, x, out, i64(x.size), float(t))
        check(f"threshold {t} {shape}", (x > np.float32(t)).astype(np.float32), out)
    call("ga_fill", *FLAT, out, i64(x.size), 0.37)
    check(f"fill {shape}", np.full(shape, np.float32(0.37)), out)
    call("ga_fill_pixels", *FLAT, out, i64(x.size), shape[3], 0.1, 0.2, 0.3, 0.4)
    check(f"fill pixels {shape}", np.broadcast_to(np.array([0.1, 0.2, 0.3, 0.4][:shape[3]], np.float32), shape), out)
    u8 = np.empty(x.size, dtype=np.uint8)
    xn = x.copy().ravel()
    xn[:3] = [np.nan, np.inf, -np.inf]
    call("ga_to_u8", *FLAT, xn, u8, i64(x.size))
    with np.errstate(invalid="ignore"):
        ref = np.nan_to_num(np.clip(np.float32(255) * xn, 0, 255), nan=0).astype(np.uint8)
    check(f"to_u8 {shape}", ref, u8)
    b, h, w, c = shape
    mask = edgy(b, h, w)
    img = np.empty((b, h, w, 3), np.float32)
    call("ga_mask_to_image", *FLAT, mask, img, i64(mask.size))
    check(f"mask_to_image {shape}", np.repeat(mask[..., None], 3, axis=-1), img)
    m = np.empty((b, h, w), np.float32)
    for ch in range(c):
        call("ga_extract_channel", *FLAT, x, m, i64(b * h * w), c, ch)
        check(f"extract {ch} {shape}", x[..., ch], m)
    for cout in (3, 4):
        if cout >= c - 0 and abs(cout - c) <= 1:
            o = np.empty((b, h, w, cout), np.float32)
            call("ga_alpha_fit", *rows_grid(w * cout, b * h), x, o, b * h, w, c, cout)
            ref = np.ones((b, h, w, cout), np.float32)
            k = min(c, cout)
            ref[..., :k] = x[..., :k]
            check(f"alpha_fit {c}->{cout} {shape}", ref, o)

# ---- blend ----
modes = ["normal", "multiply", "screen", "overlay", "soft_light", "difference"]
for (ba, bb, shape) in [(2, 2, (19, 23, 3)), (3, 1, (1, 1, 4)), (1, 4, (5, 6, 3))]:
    a = edgy(ba, *shape)
    bimg = edgy(bb, *shape)
    batch = max(ba, bb)
    out = np.empty((batch, *shape), np.float32)
    per = int(np.prod(shape))
    for mi, mode in enumerate(modes):
        f = 0.37
        call("ga_blend", [2, 3, 1], [32, 1, 1], a, bimg, out, batch, ba, bb, i64(per),
             float(np.float32(1 - f)), float(np.float32(f)), mi)
        ta = torch.from_numpy(a).expand(batch, *shape) if ba == 1 else torch.from_numpy(a)
        tb = torch.from_numpy(bimg).expand(batch, *shape) if bb == 1 else torch.from_numpy(bimg)
        ref = comfy.blend(ta, tb, f, mode).numpy()
        check(f"blend {mode} {ba}/{bb} {shape}", ref, out, ulp=True)

# ---- composite ----
for (dshape, sshape, x, y, with_mask, mb) in [((2, 21, 19, 3), (3, 8, 6, 3), 4, 15, False, 1),
                                              ((2, 21, 19, 3), (1, 8, 6, 3), 16, 2, True, 2),
                                              ((1, 5, 5, 4), (1, 8, 6, 4), 0, 0, True, 1),
                                              ((2, 21, 19, 3), (1, 8, 6, 3), 500, 500, False, 1)]:
    d = rand(*dshape)
    s = rand(*sshape)
    m = rand(mb, sshape[1], sshape[2]) if with_mask else None
    out = np.empty_like(d)
    left, top = min(x, dshape[2]), min(y, dshape[1])
    right, bottom = min(left + sshape[2], dshape[2]), min(top + sshape[1], dshape[1])
    call("ga_composite", *rows_grid(dshape[2] * dshape[3], dshape[0] * dshape[1]), d, s, m, out, dshape[0],
         dshape[1], dshape[2], dshape[3], sshape[1], sshape[2], sshape[0], mb, left, top, right, bottom)
    ref = d.copy()
    for bi in range(dshape[0]):
        src = s[bi % sshape[0]]
        w = np.ones(src.shape[:2], np.float32) if m is None else m[bi % mb]
        vh, vw = bottom - top, right - left
        if vh > 0 and vw > 0:
            ww = w[:vh, :vw, None]
            if m is None:
                ref[bi, top:bottom, left:right] = src[:vh, :vw]
            else:
                ref[bi, top:bottom, left:right] = ww * src[:vh, :vw] + (np.float32(1) - ww) * d[bi, top:bottom, left:right]
    check(f"composite {dshape} {sshape} {x},{y} mask={with_mask}", ref, out, ulp=True)

# ---- crop, pad, outpaint mask ----
img = rand(2, 37, 29, 3)
for (x, y, w, h) in [(0, 0, 1, 1), (3, 2, 5, 4), (20, 30, 9, 7)]:
    out = np.empty((2, h, w, 3), np.float32)
    call("ga_crop", *rows_grid(w * 3, 2 * h), img, out, 2, 37, 29, 3, x, y, h, w)
    check(f"crop {x},{y},{w},{h}", img[:, y:y + h, x:x + w], out)


def comfy_outpaint_mask(d2, d3, left, top, right, bottom, feathering):
    mask = np.ones((d2 + top + bottom, d3 + left + right), dtype=np.float32)
    t = np.zeros((d2, d3), dtype=np.float32)
    if feathering > 0 and feathering * 2 < d2 and feathering * 2 < d3:
        for i in range(d2):
            for j in range(d3):
                dt = i if top != 0 else d2
                db = d2 - i if bottom != 0 else d2
                dl = j if left != 0 else d3
                dr = d3 - j if right != 0 else d3
                d = min(dt, db, dl, dr)
                if d >= feathering:
                    continue
                v = (feathering - d) / feathering
                t[i, j] = v * v
    mask[top:top + d2, left:left + d3] = t
    return mask


for shape in [(1, 1, 1, 3), (2, 17, 12, 4), (1, 30, 41, 3)]:
    im = rand(*shape)
    b, h, w, c = shape
    for (l, t, r, bt, f) in [(0, 0, 0, 0, 0), (8, 0, 0, 0, 4), (3, 5, 7, 2, 4), (1, 1, 1, 1, 1), (0, 16, 0, 16, 3)]:
        oh, ow = h + t + bt, w + l + r
        out = np.empty((b, oh, ow, c), np.float32)
        call("ga_pad", *rows_grid(ow * c, b * oh), im, out, b, h, w, c, l, t, oh, ow, 0.5)
        ref = np.full((b, oh, ow, c), 0.5, np.float32)
        ref[:, t:t + h, l:l + w] = im
        check(f"pad {shape} {l},{t},{r},{bt}", ref, out)
        mk = np.empty((oh, ow), np.float32)
        feather = 1 if f > 0 and 2 * f < h and 2 * f < w else 0
        call("ga_outpaint_mask", [2, 3, 1], [32, 1, 1], mk, h, w, l, t, r, bt, f, feather)
        check(f"outpaint mask {shape} {l},{t},{r},{bt},{f}", comfy_outpaint_mask(h, w, l, t, r, bt, f), mk)

# ---- resize: torch.nn.functional.interpolate (align_corners=False) ----


def center_crop(old_w, old_h, width, height):
    old_aspect = old_w / old_h
    new_aspect = width / height
    x = y = 0
    if old_aspect > new_aspect:
        x = round((old_w - old_w * (new_aspect / old_aspect)) / 2)
    elif old_aspect < new_aspect:
        y = round((old_h - old_h * (old_aspect / new_aspect)) / 2)
    return y, x, old_h - 2 * y, old_w - 2 * x


for shape in [(1, 1, 1, 3), (2, 13, 9, 3), (1, 40, 64, 4), (1, 31, 17, 1)]:
    im = rand(*shape)
    b, h, w, c = shape
    for (ow, oh) in [(1, 1), (9, 13), (26, 18), (7, 5), (128, 3), (40, 80)]:
        for crop in (False, True):
            ry, rx, rh, rw = center_crop(w, h, ow, oh) if crop else (0, 0, h, w)
            if rh <= 0 or rw <= 0:
                continue
            src = torch.from_numpy(im[:, ry:ry + rh, rx:rx + rw, :]).movedim(-1, 1)
            out = np.empty((b, oh, ow, c), np.float32)
            grid = rows_grid(ow * c, b * oh)
            call("ga_resize_nearest", *grid, im, out, b, h, w, c, ry, rx, rh, rw, oh, ow)
            check(f"nearest-exact {shape}->{ow}x{oh} crop={crop}",
                  F.interpolate(src, size=(oh, ow), mode="nearest-exact").movedim(1, -1).numpy(), out)
            for taps, mode in ((2, "bilinear"), (4, "bicubic")):
                call("ga_resize_separable", *grid, im, out, b, h, w, c, ry, rx, rh, rw, oh, ow, taps, 1 if oh < rh else 0)
                check(f"{mode} {shape}->{ow}x{oh} crop={crop}",
                      F.interpolate(src, size=(oh, ow), mode=mode).movedim(1, -1).numpy(), out, tol=1e-5)
            gather = all((((o + 1) * rh + oh - 1) // oh) - (o * rh // oh) == 1 for o in range(oh)) and \
                all((((o + 1) * rw + ow - 1) // ow) - (o * rw // ow) == 1 for o in range(ow))
            call("ga_resize_area", *grid, im, out, b, h, w, c, ry, rx, rh, rw, oh, ow, 1 if gather else 0)
            check(f"area {shape}->{ow}x{oh} crop={crop}",
                  F.interpolate(src, size=(oh, ow), mode="area").movedim(1, -1).numpy(), out, tol=1e-6)

# ---- blur, sharpen: ComfyUI's 2-D conv2d with reflect padding ----


def taps(radius, sigma):
    k = 2 * radius + 1
    step = np.float32(0) if k == 1 else np.float32(2) / np.float32(k - 1)
    xs = [(-1 + step * i) if i < k // 2 else (1 - step * (k - 1 - i)) for i in range(k)]
    e = np.array([np.exp(-(float(np.float32(x)) ** 2) / (2 * sigma * sigma)) for x in xs])
    w = (e / e.sum()).astype(np.float32)
    t = np.zeros(32, np.float32)
    t[:radius + 1] = w[radius:]
    return t


def filter_emu(im, radius, sigma, sharpen, alpha):
    b, h, w, c = im.shape
    tmp = np.empty_like(im)
    out = np.empty_like(im)
    t = taps(radius, sigma)
    row_len = w * c
    call("ga_blur_vertical", [max(1, min(2, (row_len + 31) // 32)), max(1, min(2, (h + 63) // 64)), b], [32, 8, 1],
         im, tmp, b, h, row_len, radius, t, 1 if sharpen else 0)
    tile = 16
    call("ga_blur_horizontal", [max(1, min(2, (w + tile - 1) // tile)), min(h, 3), b], [64, 1, 1],
         tmp, im, out, b, h, w, c, radius, t, tile, 1 if sharpen else 0, float(np.float32(10 * alpha)))
    return out


def sharpen64(image, sharpen_radius, sigma, alpha):
    """ComfyUI's sharpen with its float32 kernel, convolved in float64: PyTorch's float32 conv2d
    accumulates 63x63 taps with errors that 10 alpha (50) lifts above 1e-5."""
    channels = image.shape[3]
    kernel_size = sharpen_radius * 2 + 1
    kernel = comfy.gaussian_kernel(kernel_size, sigma, image.device) * -(alpha * 10)
    center = kernel_size // 2
    kernel[center, center] = kernel[center, center] - kernel.sum() + 1.0
    kernel = kernel.double().repeat(channels, 1, 1).unsqueeze(1)
    t = F.pad(image.double().permute(0, 3, 1, 2), (sharpen_radius,) * 4, "reflect")
    out = F.conv2d(t, kernel, padding=center, groups=channels)[
        :, :, sharpen_radius:-sharpen_radius, sharpen_radius:-sharpen_radius]
    return torch.clamp(out.permute(0, 2, 3, 1), 0, 1).float()


for shape in [(1, 40, 33, 3), (2, 70, 45, 4), (1, 66, 40, 1)]:
    im = rand(*shape)
    for r in (1, 3, 31):
        if r >= min(shape[1], shape[2]):
            continue
        for sigma in (0.1, 1.0, 10.0):
            ref = comfy.blur(torch.from_numpy(im), r, sigma).numpy()
            check(f"blur r{r} s{sigma} {shape}", ref, filter_emu(im, r, sigma, False, 0), tol=1e-5)
        for alpha in (0.0, 1.0, 5.0):
            ref = sharpen64(torch.from_numpy(im), r, 1.0, alpha).numpy()
            check(f"sharpen r{r} a{alpha} {shape}", ref, filter_emu(im, r, 1.0, True, alpha), tol=1e-5)

# tiny images: the mirror fold (no PyTorch reference: it refuses pads wider than the image)


def fold(i, n):
    if n == 1:
        return 0
    p = 2 * (n - 1)
    m = i % p
    return m if m < n else p - m


for shape in [(1, 1, 1, 3), (1, 2, 3, 3), (2, 5, 4, 1)]:
    im = rand(*shape).astype(np.float64)
    b, h, w, c = shape
    for r in (1, 3, 31):
        t = taps(r, 1.0)[:r + 1].astype(np.float64)
        wfull = np.concatenate([t[:0:-1], t])
        ref = np.zeros_like(im)
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                ys = [fold(y + dy, h) for y in range(h)]
                xs = [fold(x + dx, w) for x in range(w)]
                ref += wfull[dy + r] * wfull[dx + r] * im[:, ys][:, :, xs]
        check(f"blur fold r{r} {shape}", ref, filter_emu(im.astype(np.float32), r, 1.0, False, 0), tol=1e-5)

# ---- diffusion: one step against a torch formula, then a few chained ----
for shape in [(1, 1, 1, 3), (2, 9, 7, 3), (1, 30, 31, 4)]:
    im = rand(*shape)
    b, h, w, c = shape
    for exponential in (1, 0):
        kappa, lam = 0.1, 0.25
        cur = im.copy()
        ref = torch.from_numpy(im).double()
        for step in range(3):
            nxt = np.empty_like(cur)
            call("ga_diffusion_step", *rows_grid(w * c, b * h), cur, nxt, b, h, w, c,
                 float(np.float32(1 / (kappa * kappa))), float(np.float32(lam)), exponential)
            cur = nxt
            x = ref
            dn = torch.zeros_like(x)
            ds = torch.zeros_like(x)
            de = torch.zeros_like(x)
            dw = torch.zeros_like(x)
            dn[:, 1:] = x[:, 1:] - x[:, :-1]
            ds[:, :-1] = x[:, 1:] - x[:, :-1]
            de[:, :, :-1] = x[:, :, 1:] - x[:, :, :-1]
            dw[:, :, 1:] = x[:, :, 1:] - x[:, :, :-1]

            def flux(d):
                q = (d / kappa) ** 2
                return d * torch.exp(-q) if exponential else d / (1 + q)

            ref = x + lam * (flux(ds) - flux(dn) + flux(de) - flux(dw))
            check(f"diffusion {'exp' if exponential else 'quad'} step {step + 1} {shape}", ref.float().numpy(),
                  cur, tol=1e-5)

print(f"{checks} checks, {len(failures)} failed")
for f in failures[:40]:
    print("FAIL", f)
sys.exit(1 if failures else 0)
