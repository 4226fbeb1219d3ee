"""Unicode facts the featurizer depends on, pinned to this interpreter's Unicode database.

Node (ICU) and Python ship different Unicode versions. For code points assigned in Python's version,
NFKC, full lowercasing and the Letter/Number categories agree between the two (checked exhaustively
when the model was built). Code points unassigned here are replaced by U+FFFD on both sides, so newer
characters cannot make the two featurizers disagree. The ranges are exported to TypeScript.
"""

from __future__ import annotations

import functools
import unicodedata

UNICODE_VERSION = unicodedata.unidata_version


def _ranges(pred) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = None
    for cp in range(0x110000):
        ok = pred(cp)
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


@functools.cache
def unassigned_ranges() -> tuple[tuple[int, int], ...]:
    """Inclusive ranges of code points that are unassigned (Cn) or surrogates (Cs)."""
    return tuple(_ranges(lambda cp: unicodedata.category(chr(cp)) in ("Cn", "Cs")))


@functools.cache
def word_ranges() -> tuple[tuple[int, int], ...]:
    """Inclusive ranges of Letter (L*) and Number (N*) code points: the word characters."""
    return tuple(_ranges(lambda cp: unicodedata.category(chr(cp))[0] in "LN"))


def regex_class(ranges) -> str:
    parts = []
    for a, b in ranges:
        parts.append(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}")
    return "[" + "".join(parts) + "]"


def ranges_to_compact(ranges) -> str:
    """'a-b,c,...' in hex: the form the TypeScript table is generated in."""
    return ",".join(f"{a:x}" if a == b else f"{a:x}-{b:x}" for a, b in ranges)
