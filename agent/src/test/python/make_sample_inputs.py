"""Sample input images for the sample workflows, written to config/workflows/input/.

Run with /usr/bin/python3 (Pillow, numpy) from anywhere:
  sample.png       64x48 RGB gradient
  sample_rgba.png  32x32 RGBA: a colour wheel-ish pattern with a transparent disc in the middle
  sample.jpg       64x48 RGB gradient with a diagonal stripe, JPEG quality 85
"""
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "config", "workflows", "input")


def main():
    os.makedirs(OUT, exist_ok=True)
    y, x = np.mgrid[0:48, 0:64]
    rgb = np.dstack([x * 255 // 63, y * 255 // 47, (x + y) * 255 // 110]).astype(np.uint8)
    Image.fromarray(rgb, "RGB").save(os.path.join(OUT, "sample.png"), optimize=True)

    y, x = np.mgrid[0:32, 0:32]
    r = np.hypot(x - 15.5, y - 15.5)
    rgba = np.dstack([x * 8, y * 8, 255 - x * 4, np.clip((r - 6) * 40, 0, 255)]).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "sample_rgba.png"), optimize=True)

    y, x = np.mgrid[0:48, 0:64]
    stripe = (np.abs(x - y) < 4) * 120
    jpg = np.dstack([np.clip(x * 4 + stripe, 0, 255), y * 5, np.full_like(x, 128)]).astype(np.uint8)
    Image.fromarray(jpg, "RGB").save(os.path.join(OUT, "sample.jpg"), quality=85)


if __name__ == "__main__":
    main()
