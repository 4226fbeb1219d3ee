"""Pin text and text features as the worker makes them (src/preprocess/pin-text.ts, text-features.ts).

The featurizer is chosen by the manifest's `preprocess.featurizer`; `iw-text-hash-v1` is the one in
training/ (`text_spam.featurizer`, the specification the TypeScript featurizer was proven equal to),
used here as is, and the manifest must match its spec exactly.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .errors import BackfillError

# JavaScript's String.prototype.trim() set (WhiteSpace + LineTerminator), not Python's str.strip().
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def has_text(pin: dict) -> bool:
    return any(pin.get(f) is not None and pin[f].strip(_JS_WHITESPACE) != "" for f in ("title", "description", "link"))


def pin_text(pin: dict) -> str:
    return f"{pin.get('title') or ''}\n{pin.get('description') or ''}\n{pin.get('link') or ''}"


def text_content_key(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def featurizer_for(preprocess: dict):
    name = preprocess.get("featurizer")
    if name == "iw-text-hash-v1":
        from text_spam import featurizer  # training/, shipped to executors with the job

        if featurizer.spec() != preprocess:
            raise BackfillError("IW_MODEL_MANIFEST", "manifest preprocess differs from iw-text-hash-v1's spec")
        return featurizer.featurize
    raise BackfillError("IW_MODEL_MANIFEST", f"text featurizer {name!r} is not implemented in the backfill")


def pack_text_batch(rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of (indices, values) -> [N, K] int64 and float32, padded with 0 (K >= 1), like padTextBatch."""
    k = max([1] + [len(i) for i, _ in rows])
    indices = np.zeros((len(rows), k), np.int64)
    values = np.zeros((len(rows), k), np.float32)
    for r, (i, v) in enumerate(rows):
        indices[r, : len(i)] = i
        values[r, : len(v)] = v
    return indices, values
