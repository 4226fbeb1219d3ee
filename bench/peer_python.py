"""The Python peer of `npm run bench`: image-safety@1 served the way a Python team would write it.

onnxruntime + Pillow + numpy, on the image files the limit uses, with the ONNX file of
models/image-safety/1 and the worker's preprocessing: EXIF orientation applied, transparency
flattened onto white, RGB, then the manifest's `bilinear-align-corners` resize to 224x224 (the tfjs
kernel: no half-pixel centres, no antialiasing), written here in numpy with the same formula and
float64 intermediates as src/preprocess/bilinear-resize.ts. Pillow's own resize is not used: it
antialiases and uses half-pixel centres, so it does not compute the model's input.

Decode is included and counted, as in the limit: the bytes are read into memory first, then every
image of a batch is decoded (Pillow, full size; no JPEG draft mode, the worker decodes full size too),
preprocessed into the batch tensor and scored. Like the limit, the next batch is prepared on one
helper thread while onnxruntime runs the current one (Pillow's decoder, numpy and onnxruntime release
the GIL). Every batch size x intra-op threads point runs for --seconds; the best is the peer's figure.

Also scores the first --check files one by one and writes their probabilities, so the bench can
report the largest |dp| against the worker's TypeScript scores of the same files.

    python bench/peer_python.py --manifest models/image-safety/1/manifest.json --files list.txt \
        --out result.json [--batches 1,8,16] [--threads 1,2] [--seconds 4] [--check 32]

Progress goes to stderr; the result (JSON) to --out.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnxruntime as ort
import PIL
from PIL import Image, ImageOps


def decode(data: bytes) -> np.ndarray:
    """Full-size 8-bit RGB, EXIF orientation applied, transparency flattened onto white."""
    image = Image.open(io.BytesIO(data))
    image.seek(0)
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image)


def axis(src: int, dst: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per output index: the lower and upper source index and the weight of the upper one (tfjs)."""
    ratio = (src - 1) / (dst - 1) if dst > 1 else src / dst
    source = ratio * np.arange(dst, dtype=np.float64)
    lo = np.maximum(0, np.floor(source))
    hi = np.minimum(src - 1, np.ceil(source))
    return lo.astype(np.intp), hi.astype(np.intp), source - lo


class Preprocess:
    """The manifest's preprocess section: resize to width x height, then (v * scale - mean) / std."""

    def __init__(self, spec: dict):
        if spec.get("resize") != "bilinear-align-corners" or spec.get("channels") != "RGB":
            raise SystemExit(f"preprocess {spec.get('resize')}/{spec.get('channels')} is not implemented")
        self.width = int(spec["width"])
        self.height = int(spec["height"])
        values = np.arange(256, dtype=np.float64)
        # One float32 per channel and 8-bit value, read back as float64 like the worker's table.
        self.lut = np.stack(
            [((values * spec["scale"] - m) / s).astype(np.float32) for m, s in zip(spec["mean"], spec["std"])]
        ).astype(np.float64)
        self.channel = np.arange(3)

    def __call__(self, pixels: np.ndarray, out: np.ndarray) -> None:
        top, bottom, row_frac = axis(pixels.shape[0], self.height)
        left, right, col_frac = axis(pixels.shape[1], self.width)
        upper = pixels[top]
        lower = pixels[bottom]
        value = lambda rows, cols: self.lut[self.channel, rows[:, cols]]  # noqa: E731
        top_left, top_right = value(upper, left), value(upper, right)
        bottom_left, bottom_right = value(lower, left), value(lower, right)
        col = col_frac[None, :, None]
        t = top_left + (top_right - top_left) * col
        b = bottom_left + (bottom_right - bottom_left) * col
        out[...] = t + (b - t) * row_frac[:, None, None]


def session(model: str, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def measure(sess, prep: Preprocess, images: list[bytes], batch: int, seconds: float, input_name: str, output: str):
    cursor = 0

    def prepare() -> np.ndarray:
        nonlocal cursor
        feed = np.empty((batch, prep.height, prep.width, 3), dtype=np.float32)
        for i in range(batch):
            prep(decode(images[cursor % len(images)]), feed[i])
            cursor += 1
        return feed

    with ThreadPoolExecutor(max_workers=1) as pool:
        sess.run([output], {input_name: prepare()})  # warm-up at this batch size
        done = 0
        started = time.perf_counter()
        deadline = started + seconds
        pending = pool.submit(prepare)
        while time.perf_counter() < deadline:
            feed = pending.result()
            pending = pool.submit(prepare)
            sess.run([output], {input_name: feed})
            done += batch
        elapsed = time.perf_counter() - started
        pending.result()
    return {"batch": batch, "images": done, "imagesPerSecond": done / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--files", required=True, help="a text file with one image path a line")
    parser.add_argument("--out", required=True)
    parser.add_argument("--batches", default="1,8,16")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--check", type=int, default=32)
    args = parser.parse_args()

    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    model = os.path.join(os.path.dirname(args.manifest), manifest["file"])
    input_name = manifest["inputs"][0]["name"]
    output = manifest["outputs"][0]["name"]
    prep = Preprocess(manifest["preprocess"])
    with open(args.files, encoding="utf-8") as f:
        paths = [line.strip() for line in f if line.strip()]
    images = []
    for path in paths:
        with open(path, "rb") as f:
            images.append(f.read())

    points = []
    for threads in [int(t) for t in args.threads.split(",")]:
        sess = session(model, threads)
        for batch in [int(b) for b in args.batches.split(",")]:
            point = {"threads": threads, **measure(sess, prep, images, batch, args.seconds, input_name, output)}
            points.append(point)
            print(
                f"python peer: threads {threads}, batch {batch}: {point['imagesPerSecond']:.1f} images/s",
                file=sys.stderr,
                flush=True,
            )
        del sess
    best = max(points, key=lambda p: p["imagesPerSecond"])

    sess = session(model, 1)
    checked = paths[: args.check]
    probabilities = []
    feed = np.empty((1, prep.height, prep.width, 3), dtype=np.float32)
    for data in images[: len(checked)]:
        prep(decode(data), feed[0])
        probabilities.append(sess.run([output], {input_name: feed})[0][0].astype(float).tolist())

    result = {
        "versions": {
            "python": sys.version.split()[0],
            "onnxruntime": ort.__version__,
            "numpy": np.__version__,
            "pillow": PIL.__version__,
        },
        "points": points,
        "best": best,
        "check": {"files": checked, "probabilities": probabilities},
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
