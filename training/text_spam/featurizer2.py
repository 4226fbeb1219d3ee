"""Hashed text featurizer `iw-text-hash-v2`: `iw-text-hash-v1` (featurizer.py) plus features that
generalise for short spam. The TypeScript twin is `src/preprocess/text-features-v2.ts` (shape
features in `src/preprocess/text-shape.ts`); both must give byte-identical (indices, values).

Steps 1-4 of v1 (unassigned -> U+FFFD, NFKC, lowercase, URL and word features) unchanged, then:

5. Character n-grams: for every word token that is not `<long>` or `<dN>`, the code-point n-grams of
   `<` + word + `>` for n in `char_ngrams` (inclusive range; empty = none), as `c:<gram>`.
6. Shape features, each emitted at most once per text (presence), from the patterns in `SHAPES`:
   - on the NFKC text before lowercasing (ASCII only): `s:caps1` / `s:caps3` for at least 1 / 3
     all-caps ASCII words of 3+ letters (not touching another ASCII letter);
   - on the text before NFKC (after the U+FFFD step): `s:fancy` for styled letters NFKC would erase
     (mathematical alphanumerics, letterlike symbols, fullwidth and enclosed Latin);
   - on the normalized text: `s:money` (a currency sign or word next to digits), `s:money4` (such an
     amount with 4+ digits before an optional 2-digit decimal part), `s:currep` (two or more currency
     signs in a row), `s:moneyemoji`, `s:handle` (@name), `s:msgapp` (telegram, whatsapp, ...),
     `s:phone` (a digit run with separators holding 10+ digits), `s:obf` (letters-digits/symbol-
     letters inside a word, e.g. fr33, v!agra), `s:spaced` (4+ single letters separated by one space,
     dot, dash, underscore or star), `s:bang3` (!!! or more);
   - per URL host (after v1's host rule): `u:short` (known shortener), `u:oddtld` (TLD in ODD_TLDS),
     `u:hyphens` (2+ hyphens), `u:digits` (a digit in the host), `u:deep` (4+ labels), `u:puny` (xn--);
   - `s:nw<bucket>`: the number of word tokens (v1's cap), bucketed 0, 1, 2, 3-4, 5-8, 9-16, 17+.
7. Hash, count, sqrt(count) / sqrt(total) as v1, over all feature strings with `buckets` buckets.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

from . import featurizer as v1

NAME = "iw-text-hash-v2"
DEFAULT_BUCKETS = 1 << 19

DIGITS = "0123456789"
MONEY_RE = re.compile(
    r"[$€£¥₹] ?([0-9][0-9,.]*)|([0-9][0-9,.]*) ?(?:[$€£¥₹]|usd|eur|dollars|dollar|euros|euro|bucks)(?![a-z])")
CURREP_RE = re.compile(r"[$€£¥₹]{2,}")
MONEY_EMOJI_RE = re.compile("[\U0001F4B0\U0001F4B5\U0001F4B8\U0001F911\U0001F4B2\U0001F4B6\U0001F4B7]")
HANDLE_RE = re.compile(r"(?<![a-z0-9._])@[a-z0-9_][a-z0-9_.]{2,}")
MSGAPP_RE = re.compile(r"(?<![a-z0-9])(?:telegram|whatsapp|wa\.me|t\.me|snapchat|wechat|viber|kik|zap)(?![a-z0-9])")
PHONE_RE = re.compile(r"\+?[0-9][0-9 ().-]{8,}[0-9]")
OBF_RE = re.compile(r"[a-z][0-9@$!|€]+[a-z]")
SPACED_RE = re.compile(r"(?<![a-z])(?:[a-z][ ._*-]){3,}[a-z](?![a-z])")
BANG_RE = re.compile(r"!{3,}")
CAPS_RE = re.compile(r"(?<![A-Za-z])[A-Z]{3,}(?![A-Za-z])")
FANCY_RE = re.compile("[\U0001D400-\U0001D7FF\u2100-\u214F\uFF21-\uFF3A\uFF41-\uFF5A\u24B6-\u24E9\U0001F130-\U0001F189]")
SHORTENERS = ("bit.ly", "tinyurl.com", "t.co", "goo.gl", "is.gd", "cutt.ly", "rb.gy", "ow.ly", "shorturl.at",
              "tiny.cc", "buff.ly", "rebrand.ly", "s.id", "v.gd", "lnkd.in", "bitly.com", "t.ly", "shorturl.com")
ODD_TLDS = ("xyz", "top", "click", "loan", "win", "icu", "buzz", "cam", "live", "online", "site", "shop", "store",
            "club", "info", "biz", "cc", "tk", "ml", "ga", "cf", "gq", "rest", "support", "cyou", "sbs", "monster",
            "fun", "space", "website", "pw", "ru", "su", "bid", "date", "stream", "download", "racing", "review")
NW_BUCKETS = ((0, "0"), (1, "1"), (2, "2"), (4, "3-4"), (8, "5-8"), (16, "9-16"))
SHAPES = ["s:caps1", "s:caps3", "s:fancy", "s:money", "s:money4", "s:currep", "s:moneyemoji", "s:handle", "s:msgapp",
          "s:phone", "s:obf", "s:spaced", "s:bang3", "u:short", "u:oddtld", "u:hyphens", "u:digits", "u:deep", "u:puny",
          "s:nw<bucket>"]


def spec(char_ngrams: tuple[int, int] | tuple = (3, 5), buckets: int = DEFAULT_BUCKETS) -> dict:
    base = v1.spec()
    base.update({
        "featurizer": NAME,
        "buckets": buckets,
        "char_ngrams": list(char_ngrams),
        "features": base["features"] + ["c:char_ngram", *SHAPES],
        "shortener_hosts": list(SHORTENERS),
        "odd_tlds": list(ODD_TLDS),
    })
    return base


def _host(url: str) -> str:
    url = url.rstrip(".,:;!?")
    rest = url.split("://", 1)[1] if "://" in url else url
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def _money_digits(num: str) -> int:
    return sum(ch in DIGITS for ch in re.sub(r"[.,][0-9]{2}$", "", num.rstrip(".,")))


def shape_strings(text: str) -> list[str]:
    raw = v1._UNASSIGNED_RE.sub("\ufffd", text)
    nfkc = unicodedata.normalize("NFKC", raw)
    norm = nfkc.lower()
    out: list[str] = []
    caps = len(CAPS_RE.findall(nfkc))
    if caps >= 1:
        out.append("s:caps1")
    if caps >= 3:
        out.append("s:caps3")
    if FANCY_RE.search(raw):
        out.append("s:fancy")
    money = [m.group(1) or m.group(2) for m in MONEY_RE.finditer(norm)]
    if money:
        out.append("s:money")
        if any(_money_digits(n) >= 4 for n in money):
            out.append("s:money4")
    for name, rx in (("s:currep", CURREP_RE), ("s:moneyemoji", MONEY_EMOJI_RE), ("s:handle", HANDLE_RE),
                     ("s:msgapp", MSGAPP_RE)):
        if rx.search(norm):
            out.append(name)
    if any(sum(ch in DIGITS for ch in m.group(0)) >= 10 for m in PHONE_RE.finditer(norm)):
        out.append("s:phone")
    for name, rx in (("s:obf", OBF_RE), ("s:spaced", SPACED_RE), ("s:bang3", BANG_RE)):
        if rx.search(norm):
            out.append(name)
    url_flags: list[str] = []
    for i, m in enumerate(v1._URL_RE.finditer(norm)):
        if i >= v1.MAX_URLS:
            break
        host = _host(m.group(0))
        if not host:
            continue
        labels = host.split(".")
        for name, ok in (("u:short", host in SHORTENERS), ("u:oddtld", labels[-1] in ODD_TLDS),
                         ("u:hyphens", host.count("-") >= 2), ("u:digits", any(c in DIGITS for c in host)),
                         ("u:deep", len(labels) >= 4), ("u:puny", "xn--" in host)):
            if ok and name not in url_flags:
                url_flags.append(name)
    out += url_flags
    n = min(sum(1 for _ in v1._WORD_RE.finditer(norm)), v1.MAX_WORDS)
    out.append("s:nw" + next((name for hi, name in NW_BUCKETS if n <= hi), "17+"))
    return out


def feature_strings(text: str, char_ngrams=(3, 5)) -> list[str]:
    feats = v1.feature_strings(text)
    if char_ngrams:
        lo, hi = char_ngrams
        grams: list[str] = []
        for f in feats:
            if not f.startswith("w:"):
                continue
            w = f[2:]
            if w == "<long>" or (w.startswith("<d") and w.endswith(">")):
                continue
            s = "<" + w + ">"
            for n in range(lo, hi + 1):
                for i in range(0, len(s) - n + 1):
                    grams.append("c:" + s[i : i + n])
        feats += grams
    return feats + shape_strings(text)


def featurize(text: str, char_ngrams=(3, 5), buckets: int = DEFAULT_BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    counts: dict[int, int] = {}
    for f in feature_strings(text, char_ngrams):
        b = v1.fnv1a32(f) % buckets
        counts[b] = counts.get(b, 0) + 1
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    idx = sorted(counts)
    norm = math.sqrt(sum(counts.values()))
    vals = [math.sqrt(counts[i]) / norm for i in idx]
    return np.asarray(idx, np.int64), np.asarray(vals, np.float64).astype(np.float32)
