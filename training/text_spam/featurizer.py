"""Deterministic hashed text featurizer, `iw-text-hash-v1`.

This is the specification the TypeScript twin (`src/preprocess/text-features.ts`) implements; both must
produce byte-identical (indices, values) for every string. Steps:

1. Replace code points unassigned in Unicode `UNICODE_VERSION` (and lone surrogates) with U+FFFD.
2. NFKC, then full Unicode lowercasing (Python `str.lower`, JS `toLowerCase`).
3. URLs: ASCII matches of `URL_PATTERN` (first `MAX_URLS`), trailing `.,:;!?` removed. Each gives
   `x:url`, and from its host (scheme, userinfo, port and a leading `www.` removed):
   `h:<host>`, and `x:ipurl` for dotted digits or `d:<last two labels>` + `t:<last label>`.
4. Words: maximal runs of Letter/Number code points over the whole normalized text (URLs included),
   first `MAX_WORDS`. A word longer than `MAX_WORD_CHARS` code points becomes `<long>`; an ASCII
   digit run becomes `<dN>` with N = min(length, 8). Features `w:<word>` and bigrams `b:<w1> <w2>`.
5. Each feature string is hashed with 32-bit FNV-1a over its UTF-8 bytes, bucket = hash mod `BUCKETS`.
6. Counts per bucket c; value = sqrt(c) / sqrt(sum of c) in float64, rounded once to float32.
   Indices ascending. No features -> empty vectors.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

import numpy as np

from .unicode_table import UNICODE_VERSION, regex_class, unassigned_ranges, word_ranges

NAME = "iw-text-hash-v1"
BUCKETS = 1 << 18
MAX_WORDS = 5000
MAX_URLS = 100
MAX_WORD_CHARS = 40
URL_PATTERN = r"(?:https?://|www\.)[a-z0-9._~:/?#@!$&*+,;=%-]+"

_UNASSIGNED_RE = re.compile(regex_class(unassigned_ranges()))
_WORD_RE = re.compile(regex_class(word_ranges()) + "+")
_URL_RE = re.compile(URL_PATTERN)
_DIGITS_RE = re.compile(r"[0-9]+")
_DOTTED_DIGITS_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def spec() -> dict:
    """What the manifest's `preprocess` section records; the TS featurizer refuses anything else."""
    return {
        "kind": "text",
        "featurizer": NAME,
        "unicode_version": UNICODE_VERSION,
        "normalization": "NFKC",
        "lowercase": "full",
        "unassigned": "U+FFFD",
        "url_pattern": URL_PATTERN,
        "max_urls": MAX_URLS,
        "max_words": MAX_WORDS,
        "max_word_chars": MAX_WORD_CHARS,
        "features": ["w:unigram", "b:bigram", "x:url", "h:host", "d:domain", "t:tld", "x:ipurl"],
        "hash": "fnv1a32-utf8",
        "buckets": BUCKETS,
        "tf": "sqrt(count)",
        "norm": "l2",
        "pad": {"index": 0, "value": 0.0},
        "text": "title + '\\n' + description + '\\n' + link (src/preprocess/pin-text.ts)",
    }


def normalize(text: str) -> str:
    text = _UNASSIGNED_RE.sub("\ufffd", text)
    return unicodedata.normalize("NFKC", text).lower()


def url_tokens(url: str) -> list[str]:
    url = url.rstrip(".,:;!?")
    rest = url.split("://", 1)[1] if "://" in url else url
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    if host.startswith("www."):
        host = host[4:]
    tokens = ["x:url"]
    if not host:
        return tokens
    tokens.append("h:" + host)
    if _DOTTED_DIGITS_RE.fullmatch(host):
        tokens.append("x:ipurl")
        return tokens
    labels = host.split(".")
    if len(labels) >= 2:
        tokens.append("d:" + ".".join(labels[-2:]))
    tokens.append("t:" + labels[-1])
    return tokens


def word_token(word: str) -> str:
    if len(word) > MAX_WORD_CHARS:
        return "<long>"
    if _DIGITS_RE.fullmatch(word):
        return f"<d{min(len(word), 8)}>"
    return word


def feature_strings(text: str) -> list[str]:
    norm = normalize(text)
    feats: list[str] = []
    for i, m in enumerate(_URL_RE.finditer(norm)):
        if i >= MAX_URLS:
            break
        feats.extend(url_tokens(m.group(0)))
    prev = None
    for i, m in enumerate(_WORD_RE.finditer(norm)):
        if i >= MAX_WORDS:
            break
        w = word_token(m.group(0))
        feats.append("w:" + w)
        if prev is not None:
            feats.append("b:" + prev + " " + w)
        prev = w
    return feats


@functools.lru_cache(maxsize=1 << 20)
def fnv1a32(s: str) -> int:
    h = FNV_OFFSET
    for byte in s.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return h


def featurize(text: str) -> tuple[np.ndarray, np.ndarray]:
    """-> (indices int64 ascending, values float32), both of length K (unique buckets)."""
    counts: dict[int, int] = {}
    for f in feature_strings(text):
        b = fnv1a32(f) % BUCKETS
        counts[b] = counts.get(b, 0) + 1
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    idx = sorted(counts)
    norm = math.sqrt(sum(counts.values()))
    vals = [math.sqrt(counts[i]) / norm for i in idx]
    return np.asarray(idx, np.int64), np.asarray(vals, np.float64).astype(np.float32)


def feature_digest(indices: np.ndarray, values: np.ndarray) -> str:
    """sha256 over indices as int32 LE then values as float32 LE: the fixture's exact comparison."""
    import hashlib

    h = hashlib.sha256()
    h.update(np.asarray(indices, "<i4").tobytes())
    h.update(np.asarray(values, "<f4").tobytes())
    return h.hexdigest()
