"""Writes the image-fidelity fixtures for ImageFidelityTest, with Pillow's own output as the truth.

Run once with Pillow 12.3 (what current Hugging Face processors use; Debian's python3-pil 9.4 has
an older CMYK formula) and numpy:  python3 generate.py OUT_DIR
Writes, under OUT_DIR:
  cmyk.jpg, cmyk_dark.jpg      CMYK JPEGs as Pillow writes them (Adobe APP14, inverted), K != 0
  cmyk.rgb.npy, ...            Pillow's Image.open(f).convert("RGB") as float32 [H, W, 3]
  truncated_baseline.jpg       a baseline JPEG cut at half its length
  truncated_progressive.jpg    a progressive JPEG cut at a third
  truncated.png                a PNG cut inside its image data
  bad_ancillary_crc.png        an intact PNG whose tEXt chunk has a wrong CRC
  png_named.jpg                a PNG file with a .jpg name
  lossless.webp, lossy.webp    WebP images, with Pillow's decode of each as *.rgb.npy
and checks that Pillow refuses each truncated file ("image file is truncated" or similar).
"""
import io
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
assert Image.__version__.startswith("12.3"), Image.__version__


def gradient(w, h, seed):
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 40, size=(h, w))
    return x, y, noise


def cmyk_image(w, h, seed, k_base):
    x, y, n = gradient(w, h, seed)
    c = (x * 255 // (w - 1) + n) % 256
    m = (y * 255 // (h - 1) + 2 * n) % 256
    yy = ((x + y) * 255 // (w + h - 2) + 3 * n) % 256
    k = np.clip(k_base + (x * y) % 97 + n, 0, 255)
    bands = [Image.fromarray(a.astype(np.uint8), "L") for a in (c, m, yy, k)]
    return Image.merge("CMYK", bands)


for name, img, q in (("cmyk", cmyk_image(48, 40, 1, 20), 90), ("cmyk_dark", cmyk_image(33, 21, 2, 120), 75)):
    f = out / f"{name}.jpg"
    img.save(f, "JPEG", quality=q)
    back = Image.open(f)
    assert back.mode == "CMYK", back.mode
    k = np.asarray(back)[..., 3]
    assert k.min() > 0, "the K channel must not be zero anywhere"
    rgb = np.asarray(back.convert("RGB")).astype(np.float32)
    np.save(out / f"{name}.rgb.npy", rgb)

rgb = np.zeros((64, 80, 3), np.uint8)
x, y, n = gradient(80, 64, 3)
rgb[..., 0] = (x * 3 + n) % 256
rgb[..., 1] = (y * 4 + n) % 256
rgb[..., 2] = ((x ^ y) + n) % 256
src = Image.fromarray(rgb, "RGB")


def refuses(data):
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except OSError as e:
        return str(e)
    return None


b = io.BytesIO()
src.save(b, "JPEG", quality=90)
cut = b.getvalue()[: len(b.getvalue()) // 2]
assert refuses(cut), "Pillow accepts the cut baseline JPEG"
(out / "truncated_baseline.jpg").write_bytes(cut)

b = io.BytesIO()
src.save(b, "JPEG", quality=90, progressive=True)
cut = b.getvalue()[: len(b.getvalue()) // 3]
assert refuses(cut), "Pillow accepts the cut progressive JPEG"
(out / "truncated_progressive.jpg").write_bytes(cut)

b = io.BytesIO()
src.save(b, "PNG")
png = b.getvalue()
idat = png.index(b"IDAT")
cut = png[: idat + 4 + (len(png) - idat) // 2]
assert refuses(cut), "Pillow accepts the cut PNG"
(out / "truncated.png").write_bytes(cut)

# An intact PNG with a tEXt chunk whose CRC is wrong: ancillary, so a reader may skip its CRC.
info = PngImagePlugin.PngInfo()
info.add_text("Comment", "crc test")
b = io.BytesIO()
src.save(b, "PNG", pnginfo=info)
png = bytearray(b.getvalue())
t = png.index(b"tEXt")
length = int.from_bytes(png[t - 4 : t], "big")
crc_at = t + 4 + length
png[crc_at : crc_at + 4] = ((zlib.crc32(bytes(png[t : t + 4 + length])) ^ 0xFFFFFFFF) & 0xFFFFFFFF).to_bytes(4, "big")
(out / "bad_ancillary_crc.png").write_bytes(bytes(png))
np.save(out / "bad_ancillary_crc.rgb.npy", rgb.astype(np.float32))

b = io.BytesIO()
src.save(b, "PNG")
(out / "png_named.jpg").write_bytes(b.getvalue())
np.save(out / "png_named.rgb.npy", rgb.astype(np.float32))
for name, kw in (("lossless", {"lossless": True}), ("lossy", {"quality": 80})):
    f = out / f"{name}.webp"
    src.save(f, "WEBP", **kw)
    np.save(out / f"{name}.rgb.npy", np.asarray(Image.open(f).convert("RGB")).astype(np.float32))

print("wrote", sorted(p.name for p in out.iterdir()))
