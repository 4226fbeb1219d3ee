"""Image decode and model input as the worker makes them (src/preprocess/image-decode.ts, bilinear-resize.ts).

Decoding uses libvips (pyvips), the library under the worker's sharp, with the same steps: header
pixel cap first, first page only, fail on warnings, EXIF orientation, alpha flattened onto white,
sRGB, 3 bands of 8 bits. The resize is a port of tfjs `resizeBilinear(alignCorners=true)` with the
same float32 table, float64 intermediates and operand order as ours, so on equal pixels it is equal
bit for bit (shared vectors: tests/test_image_parity.py).
"""

from __future__ import annotations

import numpy as np

from .errors import BackfillError

# vips loader name prefix -> sharp's format name; the worker decodes only these.
_LOADERS = {"jpegload": "jpeg", "pngload": "png", "webpload": "webp", "gifload": "gif", "tiffload": "tiff", "heifload": "heif"}


def _format(image) -> str | None:
    loader = image.get("vips-loader") if image.get_typeof("vips-loader") else ""
    for prefix, name in _LOADERS.items():
        if loader.startswith(prefix):
            return name
    return None


def decode_image(data: bytes, max_pixels: int) -> tuple[np.ndarray, int, int]:
    """Bytes -> (uint8 [H, W, 3] sRGB, width, height). Raises IW_IMAGE_UNSUPPORTED, _TOO_LARGE, _DECODE."""
    import pyvips

    if len(data) == 0:
        raise BackfillError("IW_IMAGE_UNSUPPORTED", "empty image")
    try:
        header = pyvips.Image.new_from_buffer(data, "")
    except pyvips.Error as error:
        raise BackfillError("IW_IMAGE_UNSUPPORTED", str(error).splitlines()[0]) from error
    fmt = _format(header)
    if fmt is None:
        raise BackfillError("IW_IMAGE_UNSUPPORTED", f"image loader {header.get('vips-loader')} is not supported")
    if header.width * header.height > max_pixels:
        raise BackfillError("IW_IMAGE_TOO_LARGE", f"image has {header.width}x{header.height} pixels")
    try:
        options = {"fail_on": "warning", "access": "sequential"}
        if fmt in ("gif", "webp", "tiff", "heif"):
            options["n"] = 1
        image = pyvips.Image.new_from_buffer(data, "", **options).autorot()
        # As sharp does before anything else: an embedded ICC profile (or, for CMYK without one,
        # libvips' built-in CMYK profile) converts the pixels to sRGB, perceptual intent.
        grey16 = image.interpretation == "grey16"
        if image.get_typeof("icc-profile-data") and image.interpretation != "labs" and not grey16:
            depth = 16 if image.format == "ushort" else 8
            image = image.icc_transform("srgb", embedded=True, depth=depth, intent="perceptual")
        elif image.interpretation == "cmyk":
            image = image.icc_transform("srgb", input_profile="cmyk", intent="perceptual")
        if image.hasalpha():
            white = 65535 if image.format == "ushort" else 255
            image = image.flatten(background=[white] * (image.bands - 1))
        image = image.colourspace("srgb")
        if image.bands > 3:
            image = image.extract_band(0, n=3)
        if image.format != "uchar":
            image = image.cast("uchar")
        pixels = np.ndarray(buffer=image.write_to_memory(), dtype=np.uint8, shape=(image.height, image.width, image.bands))
    except pyvips.Error as error:
        raise BackfillError("IW_IMAGE_DECODE", str(error).splitlines()[0]) from error
    if pixels.shape[2] != 3:
        raise BackfillError("IW_IMAGE_DECODE", f"decoded to {pixels.shape[2]} channels")
    return pixels, image.width, image.height


def normalization_table(scale: float, mean: list[float], std: list[float]) -> np.ndarray:
    """[channels, 256] float32 of `(v * scale - mean[c]) / std[c]`, as normalizationTable computes it."""
    values = np.arange(256, dtype=np.float64)
    return np.stack([((values * scale - m) / s) for m, s in zip(mean, std)]).astype(np.float32)


def _axis(src: int, dst: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ratio = (src - 1) / (dst - 1) if dst > 1 else src / dst
    source = ratio * np.arange(dst, dtype=np.float64)
    lo = np.maximum(0, np.floor(source)).astype(np.int64)
    hi = np.minimum(src - 1, np.ceil(source)).astype(np.int64)
    return lo, hi, source - lo


def resize_bilinear_align_corners(pixels: np.ndarray, width: int, height: int, lut: np.ndarray) -> np.ndarray:
    """uint8 [h, w, 3] -> float32 [height, width, 3], the worker's resizeBilinearAlignCorners."""
    h, w, channels = pixels.shape
    table = lut.astype(np.float64)  # float32 values, read as doubles (as in JavaScript)
    normalized = np.stack([table[c][pixels[:, :, c]] for c in range(channels)], axis=-1)
    rlo, rhi, rfrac = _axis(h, height)
    clo, chi, cfrac = _axis(w, width)
    top, bottom = normalized[rlo], normalized[rhi]
    cf = cfrac[None, :, None]
    t = top[:, clo] + (top[:, chi] - top[:, clo]) * cf
    b = bottom[:, clo] + (bottom[:, chi] - bottom[:, clo]) * cf
    return (t + (b - t) * rfrac[:, None, None]).astype(np.float32)


def image_tensor(pixels: np.ndarray, preprocess: dict) -> np.ndarray:
    if preprocess.get("resize") != "bilinear-align-corners" or preprocess.get("channels") != "RGB":
        raise BackfillError("IW_MODEL_MANIFEST", f"image preprocess {preprocess.get('resize')} is not implemented")
    lut = normalization_table(preprocess["scale"], preprocess["mean"], preprocess["std"])
    return resize_bilinear_align_corners(pixels, preprocess["width"], preprocess["height"], lut)
