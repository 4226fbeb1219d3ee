"""Peer filters on the same split: bogofilter and spamprobe (trained on the training split) and
SpamAssassin stock rules (no training, local tests only).

Peers see the same information as the model: each message is rewritten with every header removed
except Subject and the MIME headers they need to decode the body (MIME-Version, Content-Type,
Content-Transfer-Encoding). Scores are the peers' own spam probabilities (SpamAssassin: its points).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

KEEP = re.compile(rb"(?i)^(subject|mime-version|content-type|content-transfer-encoding):")


def strip_headers(raw: bytes) -> bytes:
    raw = raw.replace(b"\r\n", b"\n")
    head, sep, body = raw.partition(b"\n\n")
    kept: list[bytes] = []
    keep = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if keep:
                kept.append(line)
            continue
        keep = bool(KEEP.match(line))
        if keep:
            kept.append(line)
    return b"\n".join(kept) + b"\n\n" + body


def _write(dirpath: Path, rows: list[tuple[str, bytes]]) -> list[Path]:
    paths = []
    for i, (_, raw) in enumerate(rows):
        p = dirpath / f"{i:05d}.eml"
        p.write_bytes(strip_headers(raw))
        paths.append(p)
    return paths


def _mbox(path: Path, rows: list[tuple[str, bytes]]) -> Path:
    with path.open("wb") as out:
        for _, raw in rows:
            body = re.sub(rb"(?m)^(>*From )", rb">\1", strip_headers(raw))
            out.write(b"From peer@example.invalid Thu Jan  1 00:00:00 2004\n" + body.rstrip(b"\n") + b"\n\n")
    return path


def _run(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def bogofilter(train_ham, train_spam, test) -> list[float]:
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        db = d / "db"
        db.mkdir()
        subprocess.run(["bogofilter", "-d", str(db), "-M", "-n", "-I", str(_mbox(d / "ham", train_ham))], check=True)
        subprocess.run(["bogofilter", "-d", str(db), "-M", "-s", "-I", str(_mbox(d / "spam", train_spam))], check=True)
        tdir = d / "test"
        tdir.mkdir()
        files = _write(tdir, test)
        scores = {}
        # -T prints "<file> <S|H|U> <spamicity>"; bulk mode keeps one process for the whole set.
        out = subprocess.run(["bogofilter", "-d", str(db), "-T", "-B", *map(str, files)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            name, _, score = line.rsplit(" ", 2)
            scores[name] = float(score)
        return [scores[str(f)] for f in files]


def spamprobe(train_ham, train_spam, test) -> list[float]:
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        db = str(d / "db")
        _run(["spamprobe", "-c", "-d", db, "good", str(_mbox(d / "ham", train_ham))])
        _run(["spamprobe", "-c", "-d", db, "spam", str(_mbox(d / "spam", train_spam))])
        tdir = d / "test"
        tdir.mkdir()
        files = _write(tdir, test)
        scores = []
        for f in files:
            # "SPAM 0.9999999 <digest>" or "GOOD 0.0000001 <digest>"
            scores.append(float(_run(["spamprobe", "-M", "-d", db, "score", str(f)]).split()[1]))
        return scores


def spamassassin(test) -> list[float] | None:
    """None when SpamAssassin is not installed (`apt-get install spamassassin`)."""
    try:
        subprocess.run(["perl", "-MMail::SpamAssassin", "-e", "1"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    script = Path(__file__).with_name("sa_score.pl")
    with tempfile.TemporaryDirectory() as d:
        files = _write(Path(d), test)
        out = _run(["perl", str(script), *map(str, files)])
        scores = dict(line.split("\t") for line in out.splitlines())
        return [float(scores[str(f)]) for f in files]
