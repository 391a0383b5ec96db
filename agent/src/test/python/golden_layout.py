"""Golden outputs for ImageCrop and ImagePadForOutpaint, computed with PyTorch as ComfyUI does.

Run with /usr/bin/python3 (torch on the CPU) from the repository root:
    /usr/bin/python3 agent/src/test/python/golden_layout.py
It rewrites agent/src/test/resources/golden/layout.json; LayoutNodesTest reads it.
The two functions below restate ComfyUI's ImageCrop.execute (comfy_extras/nodes_images.py) and
ImagePadForOutpaint.expand_image (nodes.py) step by step.
"""
import json
import os

import torch


def image_crop(image, width, height, x, y):
    x = min(x, image.shape[2] - 1)
    y = min(y, image.shape[1] - 1)
    to_x = width + x
    to_y = height + y
    return image[:, y:to_y, x:to_x, :]


def pad_for_outpaint(image, left, top, right, bottom, feathering):
    d1, d2, d3, d4 = image.size()
    new_image = torch.ones((d1, d2 + top + bottom, d3 + left + right, d4), dtype=torch.float32) * 0.5
    new_image[:, top:top + d2, left:left + d3, :] = image
    mask = torch.ones((d2 + top + bottom, d3 + left + right), dtype=torch.float32)
    t = torch.zeros((d2, d3), dtype=torch.float32)
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
    return new_image, mask.unsqueeze(0)


def sample(seed, b, h, w, c):
    g = torch.Generator().manual_seed(seed)
    return torch.rand((b, h, w, c), generator=g, dtype=torch.float32)


class F32(float):
    """A float32 value written with the 9 significant digits that round-trip it."""

    def __repr__(self):
        return "%.9g" % self


def flat(t):
    return [F32(v) for v in t.reshape(-1).tolist()]


def encode(o):
    if isinstance(o, F32):
        return repr(o)
    if isinstance(o, dict):
        return "{" + ",".join(json.dumps(k) + ":" + encode(v) for k, v in o.items()) + "}"
    if isinstance(o, (list, tuple)):
        return "[" + ",".join(encode(v) for v in o) + "]"
    return json.dumps(o)


def main():
    crops = []
    for seed, shape, (width, height, x, y) in [
        (1, (2, 5, 7, 3), (3, 2, 1, 1)),
        (2, (2, 5, 7, 3), (10, 10, 5, 3)),
        (3, (1, 5, 7, 4), (4, 4, 100, 100)),
        (4, (1, 1, 1, 3), (512, 512, 0, 0)),
        (5, (3, 9, 4, 3), (2, 9, 3, 0)),
    ]:
        image = sample(seed, *shape)
        out = image_crop(image, width, height, x, y)
        crops.append({"shape": list(shape), "image": flat(image), "width": width, "height": height,
                      "x": x, "y": y, "out_shape": list(out.shape), "out": flat(out)})
    pads = []
    for seed, shape, (left, top, right, bottom, feathering) in [
        (11, (1, 7, 9, 3), (2, 1, 3, 0, 3)),
        (12, (2, 5, 6, 4), (0, 2, 1, 2, 2)),
        (13, (1, 4, 4, 3), (1, 1, 1, 1, 2)),
        (14, (1, 6, 5, 3), (8, 0, 0, 8, 0)),
        (15, (1, 1, 1, 3), (1, 2, 3, 4, 40)),
        (16, (1, 9, 11, 3), (2, 2, 2, 2, 4)),
        (17, (1, 10, 10, 3), (0, 0, 0, 0, 4)),
    ]:
        image = sample(seed, *shape)
        out, mask = pad_for_outpaint(image, left, top, right, bottom, feathering)
        pads.append({"shape": list(shape), "image": flat(image), "left": left, "top": top,
                     "right": right, "bottom": bottom, "feathering": feathering,
                     "out_shape": list(out.shape), "out": flat(out),
                     "mask_shape": list(mask.shape), "mask": flat(mask)})
    path = os.path.join("agent", "src", "test", "resources", "golden", "layout.json")
    with open(path, "w") as f:
        f.write(encode({"torch": torch.__version__, "crop": crops, "pad": pads}))


if __name__ == "__main__":
    main()
