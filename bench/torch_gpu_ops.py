#!/usr/bin/env python3
"""Times ComfyUI's own formulas for the node library in PyTorch on a CUDA GPU (CUDA events).

The GPU twin of bench/torch_cpu_ops.py. Writes {"device": ..., "kernel_ms": {case label: median
milliseconds}} with the same case labels as `gpu-agent bench kernels`, so that
`gpu-agent bench kernels --torch FILE` prints the speed-up per case. The formulas are ComfyUI's
(nodes.py EmptyImage, ImageInvert, ImageScale/ImageScaleBy via comfy.utils.common_upscale,
ImagePadForOutpaint; comfy_extras/nodes_post_processing.py Blur, Sharpen, Blend;
comfy_extras/nodes_mask.py SolidMask, InvertMask, ThresholdMask, MaskToImage, ImageToMask,
ImageCompositeMasked's composite(); comfy_extras/nodes_images.py ImageCrop) on [B,H,W,C] float32
tensors already on the GPU: uploads and downloads are not timed, as in the Java benchmark.

Where ComfyUI returns a view (MaskToImage's expand, ImageToMask's and ImageCrop's slices) the view is
made contiguous, so both sides produce a tensor. ImagePadForOutpaint's feathered mask is a
per-pixel Python loop in ComfyUI (minutes at this size); a vectorised torch equivalent is timed
instead, which favours PyTorch. SaveImage's conversion runs on the CPU in ComfyUI (numpy); the GPU
equivalent `(255 * x).clamp(0, 255).to(uint8)` is timed. ImageAnisotropicDiffusion is a node of ours:
one Perona-Malik step written in torch ops.

Usage: python3 bench/torch_gpu_ops.py [--side 4096] [--batches 1,4] [--seconds 1] [--json FILE]
"""
import argparse
import json
import statistics

import torch
import torch.nn.functional as F


def gaussian_kernel(kernel_size, sigma, device):
    x, y = torch.meshgrid(torch.linspace(-1, 1, kernel_size, device=device),
                          torch.linspace(-1, 1, kernel_size, device=device), indexing="ij")
    d = torch.sqrt(x * x + y * y)
    g = torch.exp(-(d * d) / (2.0 * sigma * sigma))
    return g / g.sum()


def blur(image, blur_radius, sigma):
    batch_size, height, width, channels = image.shape
    kernel_size = blur_radius * 2 + 1
    kernel = gaussian_kernel(kernel_size, sigma, image.device).repeat(channels, 1, 1).unsqueeze(1)
    image = image.permute(0, 3, 1, 2)
    padded = F.pad(image, (blur_radius, blur_radius, blur_radius, blur_radius), "reflect")
    blurred = F.conv2d(padded, kernel, padding=kernel_size // 2, groups=channels)[
        :, :, blur_radius:-blur_radius, blur_radius:-blur_radius]
    return blurred.permute(0, 2, 3, 1)


def sharpen(image, sharpen_radius, sigma, alpha):
    batch_size, height, width, channels = image.shape
    kernel_size = sharpen_radius * 2 + 1
    kernel = gaussian_kernel(kernel_size, sigma, image.device) * -(alpha * 10)
    center = kernel_size // 2
    kernel[center, center] = kernel[center, center] - kernel.sum() + 1.0
    kernel = kernel.repeat(channels, 1, 1).unsqueeze(1)
    tensor_image = image.permute(0, 3, 1, 2)
    tensor_image = F.pad(tensor_image, (sharpen_radius, sharpen_radius, sharpen_radius, sharpen_radius), "reflect")
    sharpened = F.conv2d(tensor_image, kernel, padding=center, groups=channels)[
        :, :, sharpen_radius:-sharpen_radius, sharpen_radius:-sharpen_radius]
    return torch.clamp(sharpened.permute(0, 2, 3, 1), 0, 1)


def soft_light_g(x):
    return torch.where(x <= 0.25, ((16 * x - 12) * x + 4) * x, torch.sqrt(x))


BLEND_MODES = {
    "normal": lambda a, b: b,
    "multiply": lambda a, b: a * b,
    "screen": lambda a, b: 1 - (1 - a) * (1 - b),
    "overlay": lambda a, b: torch.where(a <= 0.5, 2 * a * b, 1 - 2 * (1 - a) * (1 - b)),
    "soft_light": lambda a, b: torch.where(b <= 0.5, a - (1 - 2 * b) * a * (1 - a), a + (2 * b - 1) * (soft_light_g(a) - a)),
    "difference": lambda a, b: a - b,
}


def blend(image1, image2, blend_factor, mode):
    blended = BLEND_MODES[mode](image1, image2)
    return torch.clamp(image1 * (1 - blend_factor) + blended * blend_factor, 0, 1)


def composite(destination, source, x, y, mask=None, multiplier=1, resize_source=False):
    """comfy_extras/nodes_mask.py composite() on [B,C,H,W]."""
    if resize_source:
        source = F.interpolate(source, size=(destination.shape[2], destination.shape[3]), mode="bilinear")
    x = max(-source.shape[3] * multiplier, min(x, destination.shape[3] * multiplier))
    y = max(-source.shape[2] * multiplier, min(y, destination.shape[2] * multiplier))
    left, top = (x // multiplier, y // multiplier)
    right, bottom = (left + source.shape[3], top + source.shape[2])
    if mask is None:
        mask = torch.ones_like(source)
    else:
        mask = mask.clone()
        mask = F.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])),
                             size=(source.shape[2], source.shape[3]), mode="bilinear")
    visible_width, visible_height = (destination.shape[3] - left + min(0, x), destination.shape[2] - top + min(0, y))
    mask = mask[:, :, :visible_height, :visible_width]
    inverse_mask = torch.ones_like(mask) - mask
    source_portion = mask * source[:, :, :visible_height, :visible_width]
    destination_portion = inverse_mask * destination[:, :, top:bottom, left:right]
    destination[:, :, top:bottom, left:right] = source_portion + destination_portion
    return destination


def image_composite_masked(destination, source, x, y, mask):
    destination = destination.clone().movedim(-1, 1)
    return composite(destination, source.movedim(-1, 1), x, y, mask, 1, False).movedim(1, -1)


def pad_for_outpaint(image, left, top, right, bottom, feathering):
    d1, d2, d3, d4 = image.size()
    new_image = torch.ones((d1, d2 + top + bottom, d3 + left + right, d4), dtype=torch.float32,
                           device=image.device) * 0.5
    new_image[:, top:top + d2, left:left + d3, :] = image
    mask = torch.ones((d2 + top + bottom, d3 + left + right), dtype=torch.float32, device=image.device)
    # ComfyUI's per-pixel loop, vectorised: distance to the nearest padded side, squared falloff
    i = torch.arange(d2, device=image.device).unsqueeze(1)
    j = torch.arange(d3, device=image.device).unsqueeze(0)
    dt = i if top != 0 else torch.full_like(i, d2)
    db = d2 - i if bottom != 0 else torch.full_like(i, d2)
    dl = j if left != 0 else torch.full_like(j, d3)
    dr = d3 - j if right != 0 else torch.full_like(j, d3)
    d = torch.minimum(torch.minimum(dt, db), torch.minimum(dl, dr))
    v = (feathering - d).clamp(min=0).double() / feathering
    mask[top:top + d2, left:left + d3] = (v * v).float()
    return new_image, mask


def scale_by(image, method, factor):
    s = image.movedim(-1, 1)
    width = round(s.shape[3] * factor)
    height = round(s.shape[2] * factor)
    s = F.interpolate(s, size=(height, width), mode=method)
    return s.movedim(1, -1)


def diffusion_step(image, kappa, lam):
    """One explicit Perona-Malik step (exponential conduction), zero flux across the border."""
    x = image
    dn = torch.zeros_like(x)
    ds = torch.zeros_like(x)
    de = torch.zeros_like(x)
    dw = torch.zeros_like(x)
    dn[:, 1:] = x[:, 1:] - x[:, :-1]
    ds[:, :-1] = x[:, 1:] - x[:, :-1]
    de[:, :, :-1] = x[:, :, 1:] - x[:, :, :-1]
    dw[:, :, 1:] = x[:, :, 1:] - x[:, :, :-1]

    def flux(d):
        return d * torch.exp(-(d / kappa) ** 2)

    return x + lam * (flux(ds) - flux(dn) + flux(de) - flux(dw))


def cases(side, batch, device):
    g = torch.Generator(device=device).manual_seed(42 + batch)
    image = torch.rand((batch, side, side, 3), generator=g, device=device)
    image2 = torch.rand((batch, side, side, 3), generator=g, device=device)
    mask = torch.rand((batch, side, side), generator=g, device=device)
    out = torch.empty_like(image)
    s = f"{side}x{side} b{batch}"
    m = f"{side}x{side} b{batch}"
    yield f"cuMemcpyDtoD {s}", lambda: out.copy_(image)
    yield f"ImageInvert {s}", lambda: 1.0 - image
    yield f"InvertMask {m}", lambda: 1.0 - mask
    color = 0x1A334D

    def empty_image():
        r = torch.full([batch, side, side, 1], ((color >> 16) & 0xFF) / 0xFF, device=device)
        gg = torch.full([batch, side, side, 1], ((color >> 8) & 0xFF) / 0xFF, device=device)
        b = torch.full([batch, side, side, 1], (color & 0xFF) / 0xFF, device=device)
        return torch.cat((r, gg, b), dim=-1)

    yield f"EmptyImage {s}", empty_image
    yield f"SolidMask {m}", lambda: torch.full((batch, side, side), 0.5, dtype=torch.float32, device=device)
    yield f"ThresholdMask {m}", lambda: (mask > 0.5).float()
    yield f"MaskToImage {m}", lambda: mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).movedim(1, -1).expand(-1, -1, -1, 3).contiguous()
    yield f"ImageToMask red {s}", lambda: image[:, :, :, 0].contiguous()
    for mode in BLEND_MODES:
        yield f"ImageBlend {mode} {s}", lambda mode=mode: blend(image, image2, 0.5, mode)
    yield f"ImageCompositeMasked mask {s}", lambda: image_composite_masked(image, image2, 0, 0, mask)
    q = side // 4
    yield f"ImageCrop half {s}", lambda: image[:, q:q + side // 2, q:q + side // 2, :].contiguous()
    half = image[:, q:q + side // 2, q:q + side // 2, :].contiguous()
    yield f"ImagePadForOutpaint 64 of half {s}", lambda: pad_for_outpaint(half, 64, 64, 64, 64, 40)
    yield f"SaveImage to_u8 {s}", lambda: (255.0 * image).clamp(0, 255).to(torch.uint8)
    for r in (1, 10, 31):
        yield f"ImageBlur r{r} {s}", lambda r=r: blur(image, r, 1.0)
    for r in (1, 10):
        yield f"ImageSharpen r{r} {s}", lambda r=r: sharpen(image, r, 1.0, 1.0)
    yield f"ImageAnisotropicDiffusion 1 step {s}", lambda: diffusion_step(image, 0.1, 0.2)
    for method in ("nearest-exact", "bilinear", "area", "bicubic"):
        yield f"ImageScale {method} 2x up {s}", lambda mm=method: scale_by(image, mm, 2.0)
        yield f"ImageScale {method} 2x down {s}", lambda mm=method: scale_by(image, mm, 0.5)


def time_ms(fn, seconds):
    fn()  # warm-up (cuDNN / kernel selection)
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    stop.record()
    stop.synchronize()
    first = start.elapsed_time(stop)
    reps = int(max(3, min(50, seconds * 1e3 / max(first, 1e-3))))
    samples = []
    for _ in range(reps):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        samples.append(start.elapsed_time(stop))
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--batches", default="1,4")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("torch_gpu_ops: PyTorch sees no CUDA device")
        raise SystemExit(3)
    device = torch.device(args.device)
    torch.backends.cudnn.benchmark = True
    results = {}
    print(f"{'case':48s} {'kernel_ms':>10s}")
    with torch.inference_mode():
        for batch in [int(b) for b in args.batches.split(",")]:
            for label, fn in cases(args.side, batch, device):
                ms = time_ms(fn, args.seconds)
                results[label] = ms
                print(f"{label:48s} {ms:10.3f}", flush=True)
            torch.cuda.empty_cache()
    out = {"benchmark": "torch_gpu_ops", "torch": torch.__version__, "device": torch.cuda.get_device_name(device),
           "cuda": torch.version.cuda, "kernel_ms": results}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
