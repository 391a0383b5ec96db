#!/usr/bin/env python3
"""Times ComfyUI's own formulas for the node library's heavy ops in PyTorch on the CPU.

Writes {"mpix_per_s": {case label: megapixels per second}} with the same case labels as
`gpu-agent bench engine`, so that `gpu-agent bench engine --torch FILE` prints the ratio per op.
The formulas are ComfyUI's (comfy_extras/nodes_post_processing.py Blur, Sharpen, Blend; nodes.py
ImageScaleBy through comfy.utils.common_upscale; nodes.py ImageInvert), on [B,H,W,C] float32 images.

Usage: /usr/bin/python3 bench/torch_cpu_ops.py [--sides 1024,4096] [--seconds 2] [--json FILE]
(Debian's python3-torch; the default pyenv python3 may lack torch.)
"""
import argparse
import json
import re
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F


def gaussian_kernel(kernel_size, sigma):
    x, y = torch.meshgrid(torch.linspace(-1, 1, kernel_size), torch.linspace(-1, 1, kernel_size), indexing="ij")
    d = torch.sqrt(x * x + y * y)
    g = torch.exp(-(d * d) / (2.0 * sigma * sigma))
    return g / g.sum()


def blur(image, blur_radius, sigma):
    batch_size, height, width, channels = image.shape
    kernel_size = blur_radius * 2 + 1
    kernel = gaussian_kernel(kernel_size, sigma).repeat(channels, 1, 1).unsqueeze(1)
    image = image.permute(0, 3, 1, 2)
    padded = F.pad(image, (blur_radius, blur_radius, blur_radius, blur_radius), "reflect")
    blurred = F.conv2d(padded, kernel, padding=kernel_size // 2, groups=channels)[:, :, blur_radius:-blur_radius, blur_radius:-blur_radius]
    return blurred.permute(0, 2, 3, 1)


def sharpen(image, sharpen_radius, sigma, alpha):
    batch_size, height, width, channels = image.shape
    kernel_size = sharpen_radius * 2 + 1
    kernel = gaussian_kernel(kernel_size, sigma) * -(alpha * 10)
    center = kernel_size // 2
    kernel[center, center] = kernel[center, center] - kernel.sum() + 1.0
    kernel = kernel.repeat(channels, 1, 1).unsqueeze(1)
    tensor_image = image.permute(0, 3, 1, 2)
    tensor_image = F.pad(tensor_image, (sharpen_radius, sharpen_radius, sharpen_radius, sharpen_radius), "reflect")
    sharpened = F.conv2d(tensor_image, kernel, padding=center, groups=channels)[:, :, sharpen_radius:-sharpen_radius, sharpen_radius:-sharpen_radius]
    return torch.clamp(sharpened.permute(0, 2, 3, 1), 0, 1)


def blend(image1, image2, blend_factor, mode):
    if mode == "overlay":
        blended = torch.where(image1 <= 0.5, 2 * image1 * image2, 1 - 2 * (1 - image1) * (1 - image2))
    else:
        raise ValueError(mode)
    return torch.clamp(image1 * (1 - blend_factor) + blended * blend_factor, 0, 1)


def scale_by(image, method, factor):
    s = image.movedim(-1, 1)
    width = round(s.shape[3] * factor)
    height = round(s.shape[2] * factor)
    s = F.interpolate(s, size=(height, width), mode=method)
    return s.movedim(1, -1)


def invert(image):
    return 1.0 - image


def cases(sides):
    for side in sides:
        s = f"{side}x{side}"
        for r in (1, 10, 31):
            yield f"ImageBlur r{r} {s}", side, lambda img, r=r: blur(img, r, 1.0)
        yield f"ImageSharpen r1 {s}", side, lambda img: sharpen(img, 1, 1.0, 1.0)
        yield f"ImageBlend overlay {s}", side, lambda img: blend(img, img, 0.5, "overlay")
        for method in ("nearest-exact", "bilinear", "area", "bicubic"):
            yield f"ImageScale {method} 2x up {s}", side, lambda img, m=method: scale_by(img, m, 2.0)
            yield f"ImageScale {method} 2x down {s}", side, lambda img, m=method: scale_by(img, m, 0.5)
        yield f"ImageInvert {s}", side, invert


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sides", default="1024,4096")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", default=None)
    parser.add_argument("--match", default=None, help="only cases whose label matches this regular expression")
    parser.add_argument("--max-run-seconds", type=float, default=20.0,
                        help="skip a case whose run, projected from the same case on a smaller side, "
                             "would take longer; its figure is then the smaller side's (listed in 'projected')")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sides = [int(s) for s in args.sides.split(",")]
    generator = torch.Generator().manual_seed(42)
    images = {side: torch.rand((1, side, side, 3), generator=generator, dtype=torch.float32) for side in sides}
    results = {}
    projected = []
    measured_p50 = {}
    print(f"{'case':40s} {'runs':>5s} {'p50_ms':>9s} {'mpix_per_s':>11s}")
    with torch.inference_mode():
        for label, side, fn in cases(sides):
            if args.match and not re.search(args.match, label):
                continue
            image = images[side]
            base = label.rsplit(" ", 1)[0]
            smaller = [(s, t) for (b, s), t in measured_p50.items() if b == base and s < side]
            if smaller:
                s0, t0 = max(smaller)
                estimate = t0 * (side / s0) ** 2
                if estimate > args.max_run_seconds:
                    results[label] = side * side / 1e6 / estimate
                    projected.append(label)
                    print(f"{label:40s} skipped: projected {estimate:.0f} s a run; "
                          f"{results[label]:.1f} Mpix/s from {s0}x{s0}", flush=True)
                    continue
            fn(image)  # warm-up
            samples = []
            deadline = time.perf_counter() + args.seconds
            while True:
                t0 = time.perf_counter()
                fn(image)
                samples.append(time.perf_counter() - t0)
                if time.perf_counter() >= deadline or len(samples) >= 200:
                    break
            p50 = statistics.median(samples)
            mps = side * side / 1e6 / p50
            results[label] = mps
            measured_p50[(base, side)] = p50
            print(f"{label:40s} {len(samples):5d} {p50 * 1e3:9.2f} {mps:11.1f}", flush=True)
    out = {"benchmark": "torch_cpu_ops", "torch": torch.__version__, "threads": args.threads,
           "mpix_per_s": results, "projected": projected}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
