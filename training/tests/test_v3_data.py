"""text-spam v3: the second batch of written training pins and the second held-out set stay apart
from every other set, and the v2 featurizer's shape features behave as documented."""

import json
from pathlib import Path

from text_spam import featurizer, featurizer2, pin_synth, sources

FIXTURES = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "text-spam-3" / "vectors.json"


def _key(r):
    return (r.title.strip().lower(), r.description.strip().lower())


def _read(name, part):
    return sources.read_tsv(sources.PINS_DIR / name, part)


def test_v3_pin_sets_are_disjoint_labelled_and_varied():
    train3 = _read("train-written-3.tsv", "train")
    unseen2 = _read("unseen2.tsv", "unseen2")
    train = {_key(r) for r in _read("train-written.tsv", "train") + train3} | \
        {(p.title.strip().lower(), p.description.strip().lower()) for p in pin_synth.generate()}
    held = {n: {_key(r) for r in _read(n, n[:-4])} for n in ("dev.tsv", "unseen.tsv")}
    held["unseen2.tsv"] = {_key(r) for r in unseen2}
    for name, keys in held.items():
        assert not train & keys, name
    assert not held["unseen2.tsv"] & (held["dev.tsv"] | held["unseen.tsv"])
    assert len(train3) >= 500 and len(unseen2) >= 140
    for part in (train3, unseen2):
        assert {r.label for r in part} == {0, 1}
    assert len({r.lang for r in train3}) >= 15
    cats = {r.category for r in train3}
    assert {"recipes", "home_decor", "fashion", "diy", "travel", "weddings", "tattoos", "quotes", "kids", "gardening",
            "shop", "short", "emoji", "giveaway", "phishing", "counterfeit", "get_rich", "pills", "adult", "linkfarm",
            "streaming", "jobs", "loans", "followers"} <= cats


def test_shape_features_of_short_spam():
    s = featurizer2.shape_strings
    assert s("$$$ FAST MONEY $$$\n\n") == ["s:caps1", "s:currep", "s:nw2"]
    assert s("I turned $250 into $14,800") == ["s:money", "s:money4", "s:nw5-8"]
    assert "s:money4" not in s("only $19.99 or 3,50 €")
    assert s("telegram @cryptokingpro") == ["s:handle", "s:msgapp", "s:nw2"]
    assert "s:handle" not in s("mail jobs@shop.com")
    assert "s:phone" in s("whatsapp +1 (347) 555-0192") and "s:phone" not in s("2024-2025 planner")
    assert "s:spaced" in s("R e p l i c a  b a g s") and "s:obf" in s("fr33 g1ft")
    assert "s:fancy" in s("𝐅𝐑𝐄𝐄") and "s:fancy" not in s("FREE")
    assert {"u:short"} <= set(s("http://bit.ly/3x")) and {"u:oddtld", "u:hyphens"} <= set(s("https://my-cheap-deal.top/a"))
    assert s("") == ["s:nw0"]


def test_v2_keeps_v1_features_and_the_committed_fixtures_are_fresh():
    text = "Free iPhone!!!\nclick\nhttp://free-iphone-winners.xyz/claim"
    assert featurizer2.feature_strings(text, ())[: len(featurizer.feature_strings(text))] == featurizer.feature_strings(text)
    fx = json.loads(FIXTURES.read_text())
    spec = json.loads((FIXTURES.parents[3] / "models" / "text-spam" / "3" / "manifest.json").read_text())["preprocess"]
    grams = tuple(spec["char_ngrams"])
    assert spec == featurizer2.spec(grams, spec["buckets"])
    for v in fx["vectors"][:200]:
        i, w = featurizer2.featurize(v["text"], grams, spec["buckets"])
        assert featurizer.feature_digest(i, w) == v["features_sha256"]
