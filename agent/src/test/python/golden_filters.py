"""Generates golden outputs for ImageBlur and ImageSharpen with PyTorch, the way ComfyUI computes them.

ComfyUI (comfy_extras/nodes_post_processing.py) builds gaussian_kernel(k, sigma) on a meshgrid of
torch.linspace(-1, 1, k), pads the BCHW image with F.pad(..., 'reflect') by the radius, runs a
depthwise F.conv2d with zero padding k // 2 and crops the radius off again. Sharpen scales the
kernel by -(alpha * 10), raises the centre so the kernel sums to 1, and clamps to 0..1.

Run with /usr/bin/python3 (torch 1.13, CPU) from the repository root:
    /usr/bin/python3 agent/src/test/python/golden_filters.py
Writes agent/src/test/resources/golden/filters.json.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F


def gaussian(k, sigma):
    x, y = torch.meshgrid(torch.linspace(-1, 1, k), torch.linspace(-1, 1, k), indexing="ij")
    d = torch.sqrt(x * x + y * y)
    g = torch.exp(-(d * d) / (2.0 * sigma * sigma))
    return g / g.sum()


def depthwise(image, kernel, r):
    c = image.shape[3]
    k = kernel.repeat(c, 1, 1).unsqueeze(1)
    t = F.pad(image.permute(0, 3, 1, 2), (r, r, r, r), "reflect")
    out = F.conv2d(t, k, padding=r, groups=c)[:, :, r:-r, r:-r]
    return out.permute(0, 2, 3, 1)


def blur(image, r, sigma):
    return depthwise(image, gaussian(2 * r + 1, sigma), r)


def sharpen(image, r, sigma, alpha):
    kernel = gaussian(2 * r + 1, sigma) * -(alpha * 10)
    kernel[r, r] = kernel[r, r] - kernel.sum() + 1.0
    return torch.clamp(depthwise(image, kernel, r), 0, 1)


def floats(t):
    return [float(v) for v in t.contiguous().view(-1).tolist()]


def main():
    rng = np.random.default_rng(20240611)
    inputs = {
        "rgb": torch.from_numpy(rng.random((2, 6, 7, 3), dtype=np.float32)),
        "rgba": torch.from_numpy(rng.random((1, 9, 5, 4), dtype=np.float32)),
    }
    cases = []
    for name, image in inputs.items():
        for r, sigma in [(1, 1.0), (2, 0.5), (3, 3.0), (4, 0.1)]:
            cases.append({"node": "ImageBlur", "input": name, "blur_radius": r, "sigma": sigma,
                          "output": floats(blur(image, r, sigma))})
        for r, sigma, alpha in [(1, 1.0, 1.0), (2, 0.7, 0.5), (3, 2.0, 5.0), (1, 1.0, 0.0)]:
            cases.append({"node": "ImageSharpen", "input": name, "sharpen_radius": r, "sigma": sigma,
                          "alpha": alpha, "output": floats(sharpen(image, r, sigma, alpha))})
    doc = {
        "generator": "agent/src/test/python/golden_filters.py",
        "torch": torch.__version__,
        "inputs": {n: {"shape": list(t.shape), "data": floats(t)} for n, t in inputs.items()},
        "cases": cases,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "resources", "golden", "filters.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
