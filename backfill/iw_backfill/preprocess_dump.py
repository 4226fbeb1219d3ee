"""`python -m iw_backfill.preprocess_dump OUT_DIR FILE...`: the backfill's decode of each image file
(raw RGB bytes, `<name>.rgb`) and model input (`<name>.f32`, image-safety@1's preprocess) into OUT_DIR,
and one JSON line per file; for the parity test that compares them with the worker's sharp decode."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import BackfillError
from .image import decode_image, image_tensor

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    preprocess = json.loads((REPO / "models/image-safety/1/manifest.json").read_text())["preprocess"]
    for file in argv[1:]:
        name = Path(file).name
        try:
            pixels, width, height = decode_image(Path(file).read_bytes(), 50_000_000)
        except BackfillError as error:
            print(json.dumps({"file": name, "error": error.code}))
            continue
        (out / f"{name}.rgb").write_bytes(pixels.tobytes())
        (out / f"{name}.f32").write_bytes(image_tensor(pixels, preprocess).tobytes())
        print(json.dumps({"file": name, "width": width, "height": height}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
