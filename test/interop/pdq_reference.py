"""PDQ hashes of raw RGB files by the reference implementation (PyPI pdqhash, bindings to Meta's C++).
  python pdq_reference.py <dir>   reads <dir>/index.json [{"name", "width", "height"}] and <name>.rgb,
                                  prints [{"name", "bits": "<256 chars of 0/1, bit 0 first>", "quality"}]
pdqhash returns bit 255 first; this prints bit 0 first (bit k = 16 * row + column of the 16x16 DCT).
"""
import json
import pathlib
import sys

import numpy as np
import pdqhash

folder = pathlib.Path(sys.argv[1])
out = []
for item in json.loads((folder / "index.json").read_text()):
    rgb = np.fromfile(folder / f"{item['name']}.rgb", dtype=np.uint8).reshape(item["height"], item["width"], 3)
    vector, quality = pdqhash.compute(rgb)
    out.append({"name": item["name"], "bits": "".join(str(int(b)) for b in vector[::-1]), "quality": int(quality)})
json.dump(out, sys.stdout)
