#!/usr/bin/env bash
# Builds image-safety@3 (int8 static quantization of image-safety@1) into models/image-safety/3/, and
# the dynamic quantization it is compared with into the download cache (not a served version).
#   npm run models:image-int8             # rebuild model.onnx + manifest.json (metrics kept)
#   npm run models:image-int8 -- --check  # rebuild in a temp dir; exit 1 unless its sha256 is the manifest's and the file's
# Calibration inputs: the benign photos of scripts/neighbours/fetch-eval-photos.sh (pinned PyPI
# wheels), preprocessed by the worker's own code; Python venv pinned by requirements.txt here.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cache=${IW_CACHE_DIR:-$HOME/.cache/integrity-worker}/image-int8
mkdir -p "$cache"
py=$(bash scripts/python-env.sh scripts/models/quantize/requirements.txt)
photos=$(bash scripts/neighbours/fetch-eval-photos.sh)
npx tsx scripts/models/quantize/calibration-tensors.ts --photos "$photos" --out "$cache/calibration"
out=models/image-safety/3
if [[ ${1:-} == --check ]]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
"$py" scripts/models/quantize/quantize_image_safety.py --source models/image-safety/1 \
  --calibration "$cache/calibration" --out "$out" --dynamic-out "$cache/dynamic.onnx"
if [[ ${1:-} == --check ]]; then
  built=$(sha256sum "$out/model.onnx" | cut -d' ' -f1)
  file=$(sha256sum models/image-safety/3/model.onnx | cut -d' ' -f1)
  manifest=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("models/image-safety/3/manifest.json","utf8")).sha256)')
  echo "rebuilt $built, file $file, manifest $manifest"
  [[ $built == "$file" && $built == "$manifest" ]] || { echo "image-safety@3 is not what the build makes" >&2; exit 1; }
fi
