"""text-spam v2 data: the hand-written pin sets stay separate, the generator is seeded, splits are stable."""

import numpy as np

from text_spam import pin_synth, sources
from text_spam import evaluate2 as ev


def _key(r):
    return (r.title.strip().lower(), r.description.strip().lower())


def test_pin_sets_are_disjoint_and_labelled():
    train = sources.read_tsv(sources.PINS_DIR / "train-written.tsv", "train")
    synth = pin_synth.generate()
    dev = sources.read_tsv(sources.PINS_DIR / "dev.tsv", "dev")
    unseen = sources.read_tsv(sources.PINS_DIR / "unseen.tsv", "unseen")
    train_keys = {_key(r) for r in train} | {(p.title.strip().lower(), p.description.strip().lower()) for p in synth}
    assert not train_keys & {_key(r) for r in dev}
    assert not train_keys & {_key(r) for r in unseen}
    assert not {_key(r) for r in dev} & {_key(r) for r in unseen}
    for part in (dev, unseen):
        assert {r.label for r in part} == {0, 1}
        assert len({r.lang for r in part}) >= 6
        assert all(r.title for r in part)
    assert len(dev) >= 200 and len(unseen) >= 100


def test_generator_is_deterministic_and_covers_categories():
    a, b = pin_synth.generate(), pin_synth.generate()
    assert a == b
    cats = {p.category for p in a}
    assert {"recipes", "shop", "phishing", "counterfeit", "streaming", "adult", "linkfarm"} <= cats
    assert pin_synth.generate(seed=1) != a


def test_stratified_split_is_seeded_and_keeps_shares():
    labels = [1] * 100 + [0] * 900
    p1 = sources._split_labels(1000, labels, 42)
    assert p1 == sources._split_labels(1000, labels, 42)
    train_spam = sum(1 for p, y in zip(p1, labels) if p == "train" and y)
    assert train_spam == 70
    assert p1.count("validation") == 150


def test_prevalence_weights_and_precision_at_3pct():
    y = np.array([1] * 50 + [0] * 50)
    w = ev.prevalence_weights(y)
    assert abs(w[y == 1].sum() / w.sum() - 0.03) < 1e-12
    s = np.array([0.9] * 45 + [0.1] * 5 + [0.5] * 1 + [0.0] * 49)
    r = ev.rates(y, s, review=0.4, block=0.8)
    assert r["spam_flagged"] == 0.9 and r["ham_flagged"] == 0.02 and r["ham_blocked"] == 0.0
    assert abs(r["review_precision_at_3pct"] - 0.03 * 0.9 / (0.03 * 0.9 + 0.97 * 0.02)) < 1e-12


def test_thresholds_follow_the_rule():
    rng = np.random.default_rng(0)
    y = np.array([0] * 200 + [1] * 50)
    s = np.concatenate([rng.uniform(0, 0.5, 200), rng.uniform(0.3, 1, 50)])
    th = ev.thresholds(y, s, ham_extra=np.array([0.6]))
    assert np.mean(s[y == 0] >= th["review"]) <= 0.01
    assert th["block"] > 0.6 and th["block"] > s[y == 0].max() and th["block"] >= th["review"]


def test_platt_at_3pct_moves_the_empty_evidence_score_to_the_prior():
    # a score with no information: calibrated it must land on the stated prevalence
    y = np.array([1] * 100 + [0] * 100)
    z = np.zeros(200)
    a, c = ev.platt(z, y)
    assert abs(1 / (1 + np.exp(-c)) - 0.03) < 1e-3
