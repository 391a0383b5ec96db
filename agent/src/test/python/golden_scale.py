#!/usr/bin/python3
"""Writes the golden files the Java resample, blend and composite tests compare against.

Run with the system interpreter that has torch 1.13 and Pillow (not the pyenv one):

    /usr/bin/python3 agent/src/test/python/golden_scale.py agent/src/test/resources/golden

Images are float32 [B,H,W,C] as ComfyUI holds them. Each resize is done the way ComfyUI's ImageScale
does it: the image is viewed as [B,C,H,W] (a channels-last view, no copy), optionally cropped to the
target aspect, and passed to torch.nn.functional.interpolate with only the output size; 'lanczos'
goes through Pillow on 8-bit data. Values are written as JSON numbers with 9 significant digits,
which round-trip float32 exactly.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]


def tensor_json(t):
    t = t.contiguous()
    shape = list(t.shape)
    if len(shape) == 3:  # a mask [B,H,W] is stored with one channel
        shape = shape + [1]
    raw = np.ascontiguousarray(t.numpy(), dtype="<f4").tobytes()
    return {"shape": shape, "f32le": base64.b64encode(raw).decode("ascii")}


def random_image(seed, b, h, w, c):
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.random((b, h, w, c), dtype=np.float32))


def pil_lanczos(nchw, width, height):
    out = []
    for image in nchw:
        hwc = np.clip(255.0 * image.movedim(0, -1).numpy(), 0, 255).astype(np.uint8)
        resized = Image.fromarray(hwc).resize((width, height), resample=Image.Resampling.LANCZOS)
        out.append(torch.from_numpy(np.array(resized).astype(np.float32) / 255.0).movedim(-1, 0))
    return torch.stack(out)


def center_box(old_w, old_h, width, height):
    """The part of the source that a 'center' crop keeps: x, y margins (Python's round)."""
    old_aspect = old_w / old_h
    new_aspect = width / height
    x = y = 0
    if old_aspect > new_aspect:
        x = round((old_w - old_w * (new_aspect / old_aspect)) / 2)
    elif old_aspect < new_aspect:
        y = round((old_h - old_h * (old_aspect / new_aspect)) / 2)
    return x, y


def upscale(image_bhwc, width, height, method, crop):
    s = image_bhwc.movedim(-1, 1)
    if crop == "center":
        x, y = center_box(s.shape[3], s.shape[2], width, height)
        s = s[:, :, y:s.shape[2] - y, x:s.shape[3] - x]
    if method == "lanczos":
        r = pil_lanczos(s, width, height)
    else:
        r = F.interpolate(s, size=(height, width), mode=method)
    return r.movedim(1, -1)


def resample_cases():
    inputs = {
        "rgb_7x9_b2": random_image(1, 2, 7, 9, 3),
        "rgba_7x9": random_image(2, 1, 7, 9, 4),
        "rgb_1x1": random_image(3, 1, 1, 1, 3),
        "rgb_16x16": random_image(4, 1, 16, 16, 3),
        "rgb_4x5": random_image(5, 1, 4, 5, 3),
    }
    # RGBA with some fully and partly transparent pixels, for Pillow's premultiplied path.
    rgba = inputs["rgba_7x9"].clone()
    rgba[0, 0, :, 3] = 0.0
    rgba[0, 1, :, 3] = 1.0
    inputs["rgba_7x9"] = rgba
    sizes = {
        "rgb_7x9_b2": [(12, 5), (3, 4), (1, 1), (5, 13), (7, 9)],
        "rgba_7x9": [(12, 5), (3, 4)],
        "rgb_1x1": [(3, 2), (1, 1)],
        "rgb_16x16": [(8, 8), (5, 7)],
        "rgb_4x5": [(8, 10), (9, 7)],
    }
    cropped = [(12, 5), (3, 4)]
    cases = []
    for name, image in inputs.items():
        for (h, w) in sizes[name]:
            for method in METHODS:
                crops = ["disabled", "center"] if name == "rgb_7x9_b2" and (h, w) in cropped else ["disabled"]
                for crop in crops:
                    out = upscale(image, w, h, method, crop)
                    cases.append({"input": name, "method": method, "crop": crop, "height": h,
                                  "width": w, "expected": tensor_json(out)})
    return {"inputs": {k: tensor_json(v) for k, v in inputs.items()}, "cases": cases}


def blend_formula(a, b, mode):
    if mode == "normal":
        return b
    if mode == "multiply":
        return a * b
    if mode == "screen":
        return 1 - (1 - a) * (1 - b)
    if mode == "overlay":
        return torch.where(a <= 0.5, 2 * a * b, 1 - 2 * (1 - a) * (1 - b))
    if mode == "soft_light":
        g = torch.where(a <= 0.25, ((16 * a - 12) * a + 4) * a, torch.sqrt(a))
        return torch.where(b <= 0.5, a - (1 - 2 * b) * a * (1 - a), a + (2 * b - 1) * (g - a))
    if mode == "difference":
        return a - b
    raise ValueError(mode)


def blend(a, b, factor, mode):
    if a.shape != b.shape:
        b = upscale(b, a.shape[2], a.shape[1], "bicubic", "center")
    out = a * (1 - factor) + blend_formula(a, b, mode) * factor
    return torch.clamp(out, 0, 1)


def blend_cases():
    a = random_image(10, 2, 5, 6, 3)
    b = random_image(11, 2, 5, 6, 3)
    # a few exact thresholds and out-of-range values
    a[0, 0, 0] = torch.tensor([0.25, 0.5, 0.0])
    b[0, 0, 0] = torch.tensor([0.5, 0.5, 1.0])
    small = random_image(12, 2, 3, 8, 3)
    inputs = {"a": a, "b": b, "b_3x8": small}
    cases = []
    for mode in ["normal", "multiply", "screen", "overlay", "soft_light", "difference"]:
        for factor in [0.0, 0.3, 0.5, 1.0]:
            cases.append({"image1": "a", "image2": "b", "mode": mode, "factor": factor,
                          "expected": tensor_json(blend(a, b, factor, mode))})
        cases.append({"image1": "a", "image2": "b_3x8", "mode": mode, "factor": 0.7,
                      "expected": tensor_json(blend(a, small, 0.7, mode))})
    return {"inputs": {k: tensor_json(v) for k, v in inputs.items()}, "cases": cases}


def repeat_batch(t, n):
    if t.shape[0] >= n:
        return t[:n]
    reps = -(-n // t.shape[0])
    return t.repeat([reps] + [1] * (t.dim() - 1))[:n]


def composite(dst_bhwc, src_bhwc, x, y, resize_source, mask):
    """ImageCompositeMasked for equal channel counts, offsets >= 0."""
    dst = dst_bhwc.clone().movedim(-1, 1)
    src = src_bhwc.movedim(-1, 1)
    if resize_source:
        src = F.interpolate(src, size=(dst.shape[2], dst.shape[3]), mode="bilinear")
    src = repeat_batch(src, dst.shape[0])
    x = max(-src.shape[3], min(x, dst.shape[3]))
    y = max(-src.shape[2], min(y, dst.shape[2]))
    left, top = x, y
    right, bottom = left + src.shape[3], top + src.shape[2]
    if mask is None:
        m = torch.ones_like(src)
    else:
        m = F.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])),
                          size=(src.shape[2], src.shape[3]), mode="bilinear")
        m = repeat_batch(m, src.shape[0])
    vw, vh = dst.shape[3] - left, dst.shape[2] - top
    m = m[:, :, :vh, :vw]
    part = m * src[:, :, :vh, :vw] + (torch.ones_like(m) - m) * dst[:, :, top:bottom, left:right]
    dst[:, :, top:bottom, left:right] = part
    return dst.movedim(1, -1)


def composite_cases():
    dst = random_image(20, 2, 6, 7, 3)
    src = random_image(21, 1, 3, 4, 3)
    src2 = random_image(22, 3, 4, 5, 3)
    mask = random_image(23, 1, 5, 3, 1)[..., 0]
    mask_same = random_image(24, 2, 3, 4, 1)[..., 0]
    inputs = {"dst": dst, "src": src, "src_b3": src2, "mask_5x3": mask, "mask_3x4_b2": mask_same}
    cases = []
    for (s, x, y, resize, m) in [
        ("src", 0, 0, False, None), ("src", 2, 1, False, None), ("src", 5, 4, False, None),
        ("src", 7, 0, False, None), ("src", 100, 100, False, None), ("src", 1, 2, False, "mask_5x3"),
        ("src", 4, 4, False, "mask_3x4_b2"), ("src", 3, 3, True, None), ("src", 0, 0, True, "mask_5x3"),
        ("src_b3", 2, 3, False, "mask_5x3"), ("src_b3", 1, 0, True, "mask_3x4_b2")]:
        out = composite(dst, inputs[s], x, y, resize, None if m is None else inputs[m])
        cases.append({"source": s, "x": x, "y": y, "resize_source": resize, "mask": m,
                      "expected": tensor_json(out)})
    return {"inputs": {k: tensor_json(v) for k, v in inputs.items()}, "cases": cases}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name, data in [("resample.json", resample_cases()), ("blend.json", blend_cases()),
                       ("composite.json", composite_cases())]:
        with open(os.path.join(out_dir, name), "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        print(name, os.path.getsize(os.path.join(out_dir, name)), "bytes")


if __name__ == "__main__":
    main()
