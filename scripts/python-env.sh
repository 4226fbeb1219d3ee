#!/usr/bin/env bash
# Prints the path of a Python interpreter whose virtualenv holds the given requirement files,
# creating it under the download cache (outside the checkout) the first time. The venv is keyed by
# the files' contents, so a changed pin gets a fresh venv and an unchanged one is reused in seconds.
#   scripts/python-env.sh training/requirements.txt [more.txt ...]
set -euo pipefail
cache=${IW_CACHE_DIR:-$HOME/.cache/integrity-worker}
key=$(cat "$@" | sha256sum | cut -c1-12)
venv=$cache/venv-$key
if [[ ! -f $venv/.complete ]]; then
  echo "[python-env] creating $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  for f in "$@"; do "$venv/bin/pip" install -q --disable-pip-version-check -r "$f" >&2; done
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
