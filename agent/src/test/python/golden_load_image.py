"""Golden data for LoadImage: PNG and JPEG flavours decoded the way ComfyUI's LoadImage does.

Run with /usr/bin/python3 (Pillow 9.4, numpy). Writes the input files to
agent/src/test/resources/images/ and, per file, the expected IMAGE and MASK as raw little-endian
float32 to agent/src/test/resources/golden/load_image/, with shapes in index.json.

The expected tensors follow ComfyUI's nodes.py LoadImage.load_image for the first frame:
exif_transpose, mode 'I' scaled by 1/255, convert('RGB') / 255, MASK = 1 - alpha / 255 from the
'A' band (or from convert('RGBA') for palette images with transparency), zeros 64x64 otherwise.
Flavours PIL cannot write (16-bit RGB, 2-bit grey, interlaced) come from a minimal PNG writer below.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

ROOT = os.path.join(os.path.dirname(__file__), "..", "resources")
IMAGES = os.path.join(ROOT, "images")
GOLDEN = os.path.join(ROOT, "golden", "load_image")


def comfy_load(data):
    """ComfyUI's LoadImage on the first frame, as float32 numpy arrays."""
    i = Image.open(io.BytesIO(data))
    i = ImageOps.exif_transpose(i)
    if i.mode == "I":
        i = i.point(lambda v: v * (1 / 255))
    image = np.array(i.convert("RGB")).astype(np.float32) / 255.0
    if "A" in i.getbands():
        mask = 1.0 - np.array(i.getchannel("A")).astype(np.float32) / 255.0
    elif i.mode == "P" and "transparency" in i.info:
        mask = 1.0 - np.array(i.convert("RGBA").getchannel("A")).astype(np.float32) / 255.0
    else:
        mask = np.zeros((64, 64), dtype=np.float32)
    return image[None], mask[None].astype(np.float32)


def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_rows(samples, bit_depth):
    """samples: uint array [rows, width * channels] -> filter-0 scanlines."""
    out = b""
    for row in samples:
        if bit_depth == 16:
            raw = row.astype(">u2").tobytes()
        elif bit_depth == 8:
            raw = row.astype(np.uint8).tobytes()
        else:
            per = 8 // bit_depth
            padded = np.zeros(-(-len(row) // per) * per, dtype=np.uint8)
            padded[: len(row)] = row
            packed = np.zeros(len(padded) // per, dtype=np.uint8)
            for k in range(per):
                packed |= (padded[k::per] << (8 - bit_depth * (k + 1))).astype(np.uint8)
            raw = packed.tobytes()
        out += b"\0" + raw
    return out


def raw_png(samples, color_type, bit_depth, extra=b"", interlace=False):
    """samples: [h, w, c] unsigned ints; extra: chunks placed before IDAT (PLTE, tRNS)."""
    h, w, c = samples.shape
    if interlace:
        body = b""
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.size:
                body += pack_rows(sub.reshape(sub.shape[0], -1), bit_depth)
    else:
        body = pack_rows(samples.reshape(h, w * c), bit_depth)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
            + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b""))


def pil_bytes(image, fmt, **kw):
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def main():
    os.makedirs(IMAGES, exist_ok=True)
    os.makedirs(GOLDEN, exist_ok=True)
    rng = np.random.default_rng(7)
    w, h = 7, 5
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (h, w), dtype=np.uint8)
    alpha[0, 0], alpha[0, 1] = 0, 255
    gray = rng.integers(0, 256, (h, w), dtype=np.uint8)
    gray16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
    gray16[0, :4] = [0, 255, 65535, 65025]
    rgb16 = rng.integers(0, 65536, (h, w, 3), dtype=np.uint16)
    palette = rng.integers(0, 256, (6, 3), dtype=np.uint8)
    indices = rng.integers(0, 6, (h, w), dtype=np.uint8)
    trns = bytes([0, 128, 255, 40])  # shorter than the palette: later entries are opaque

    cases = {
        "rgb8.png": pil_bytes(Image.fromarray(rgb, "RGB"), "PNG"),
        "rgba8.png": pil_bytes(Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), "PNG"),
        "gray8.png": pil_bytes(Image.fromarray(gray, "L"), "PNG"),
        "graya8.png": pil_bytes(Image.fromarray(np.dstack([gray, alpha]), "LA"), "PNG"),
        "gray16.png": raw_png(gray16[..., None], 0, 16),
        "rgb16.png": raw_png(rgb16, 2, 16),
        "rgba16.png": raw_png(np.dstack([rgb16, gray16]), 6, 16),
        "graya16.png": raw_png(np.dstack([gray16, rgb16[..., 0]]), 4, 16),
        "gray1.png": raw_png((gray[..., None] > 127).astype(np.uint8), 0, 1),
        "gray2.png": raw_png((gray[..., None] >> 6), 0, 2),
        "gray4.png": raw_png((gray[..., None] >> 4), 0, 4),
        "gray_trns.png": raw_png(gray[..., None], 0, 8, chunk(b"tRNS", struct.pack(">H", int(gray[0, 0])))),
        "rgb_trns.png": raw_png(rgb, 2, 8, chunk(b"tRNS", struct.pack(">HHH", *map(int, rgb[0, 0])))),
        "palette8.png": raw_png(indices[..., None], 3, 8, chunk(b"PLTE", palette.tobytes())),
        "palette8_trns.png": raw_png(indices[..., None], 3, 8,
                                     chunk(b"PLTE", palette.tobytes()) + chunk(b"tRNS", trns)),
        "palette4_trns.png": raw_png(indices[..., None], 3, 4,
                                     chunk(b"PLTE", palette.tobytes()) + chunk(b"tRNS", trns)),
        "rgb8_interlaced.png": raw_png(rgb, 2, 8, interlace=True),
        "rgba8_exif6.png": pil_bytes(Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), "PNG",
                                     exif=exif_with_orientation(6)),
    }
    jpeg_source = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), "RGB")
    jpeg_source = jpeg_source.resize((16, 12))
    for orientation in range(1, 9):
        cases[f"photo_exif{orientation}.jpg"] = pil_bytes(jpeg_source, "JPEG", quality=90,
                                                          exif=exif_with_orientation(orientation))
    cases["gray.jpg"] = pil_bytes(jpeg_source.convert("L"), "JPEG", quality=90)

    index = {}
    for name, data in cases.items():
        with open(os.path.join(IMAGES, name), "wb") as f:
            f.write(data)
        image, mask = comfy_load(data)
        stem = name.replace(".", "_")
        image.astype("<f4").tofile(os.path.join(GOLDEN, stem + ".image.bin"))
        entry = {"image": list(image.shape), "mask": list(mask.shape)}
        if mask.shape == (1, 64, 64) and not mask.any():
            entry["mask_zeros"] = True  # ComfyUI's placeholder; not stored
        else:
            mask.astype("<f4").tofile(os.path.join(GOLDEN, stem + ".mask.bin"))
        index[name] = entry
    with open(os.path.join(GOLDEN, "index.json"), "w") as f:
        json.dump(index, f, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
