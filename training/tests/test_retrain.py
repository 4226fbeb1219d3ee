"""Retraining from verdicts (the campaign: off-platform contact scams without links, which text-spam@2
lets through): which verdicts count, the gate, and the whole command on the pin sets
(the other sources left out to keep it quick) against the committed serving model."""

import json
import shutil
import sys
from pathlib import Path

import pytest

from text_spam import retrain, sources

REPO = Path(__file__).resolve().parents[2]


def verdict(pin_id, verdict="VIOLATES", at=1, title="t", signal="text.spam", **kw):
    return {"verdictId": f"v-{pin_id}-{at}", "pinId": pin_id, "signal": signal, "verdict": verdict, "reviewerId": "r-1",
            "reviewedAt": at, "queue": "review", "inclusionProbability": 1.0, "model": "text-spam@2", "decision": "REVIEW",
            "source": {"topic": "integrity.reviews.v1", "partition": 0, "offset": at}, "title": title,
            "description": "", "link": None, **kw}


def test_latest_text_verdict_per_pin_counts_and_eval_texts_never_train():
    pins = [f"p{i}" for i in range(200)]
    train_pin = next(p for p in pins[1:] if not retrain.held_out(p))
    vs = [verdict(p, title=f"title {p}") for p in pins]
    vs += [verdict("p0", "NOT_VIOLATING", at=5, title="title p0"),  # later: wins
           verdict("img", signal="image.safety"),
           verdict("unsure", "UNKNOWN"),
           verdict("empty", title=None),
           verdict(train_pin, at=9, title="A  known   DEV pin")]  # its latest text is in an evaluation set
    rows, kept, counts = retrain.verdict_rows(vs, {"a known dev pin"})
    by_pin = {r.group: r for r in rows}
    assert by_pin["p0"].label == 0
    assert train_pin not in by_pin
    assert counts["other_signal"] == 1 and counts["without_text"] == 1 and counts["eval_duplicates"] == 1
    assert counts["unknown"] == 1 and "unsure" not in by_pin
    assert counts["superseded"] == 2
    assert {r.part for r in rows} == {"train", "heldout"}
    assert 0.2 < counts["heldout"] / len(rows) < 0.4
    # The split is by pin id alone: the same pins are held out whatever else was reviewed.
    again, _, _ = retrain.verdict_rows(vs[:50], set())
    assert all(r.part == by_pin[r.group].part for r in again if r.group in by_pin)
    assert all(k["part"] in ("train", "heldout") and k["reviewerId"] == "r-1" for k in kept)


def _figures(heldout_errors, n=20, ham_flagged=0.01, spam_flagged=0.8):
    pin = {"n": 100, "errors": 0, "ham_flagged": ham_flagged, "spam_flagged": spam_flagged}
    return {"verdicts/heldout": {"n": n, "errors": heldout_errors}, "pins/dev": pin, "pins/unseen": dict(pin)}


def test_gate_needs_fewer_heldout_errors_enough_verdicts_and_no_pin_regression():
    assert retrain.gate(_figures(2), _figures(5))["passed"]
    assert not retrain.gate(_figures(5), _figures(5))["passed"]
    assert not retrain.gate(_figures(2, n=retrain.MIN_HELD_OUT - 1), _figures(5, n=retrain.MIN_HELD_OUT - 1))["passed"]
    worse_ham = retrain.gate(_figures(2, ham_flagged=0.031), _figures(5, ham_flagged=0.01))
    assert not worse_ham["passed"]
    assert [c["ok"] for c in worse_ham["checks"]].count(False) == 2  # dev and unseen
    assert not retrain.gate(_figures(2, spam_flagged=0.77), _figures(5))["passed"]
    assert retrain.gate(_figures(2, spam_flagged=0.79), _figures(5))["passed"]


CAMPAIGN = ["Message me on telegram for the vip signals group {n}", "Whatsapp the number in my profile for cheap followers {n}",
            "Comment YES and I will send you the secret side hustle {n}", "Tap my profile for the giveaway winners list {n}"]
NORMAL = ["Lemon ricotta pancakes for {n}", "Small balcony garden ideas no. {n}", "Knitting a cardigan, week {n}",
          "Watercolour sky study {n}"]


def campaign_verdicts(n=80):
    out = []
    for i in range(n):
        spam = i % 2 == 0
        title = (CAMPAIGN if spam else NORMAL)[i // 2 % 4].format(n=10 + i)
        out.append(verdict(f"pin-{i}", "VIOLATES" if spam else "NOT_VIOLATING", at=i, title=title))
    return out


@pytest.fixture
def models_dir(tmp_path):
    d = tmp_path / "models" / "text-spam"
    for v in ("1", "2"):
        shutil.copytree(REPO / "models" / "text-spam" / v, d / v)
    return tmp_path / "models"


def run_main(monkeypatch, tmp_path, models_dir, verdicts):
    path = tmp_path / "verdicts.jsonl"
    path.write_text("".join(json.dumps(v) + "\n" for v in verdicts))
    pins, stats = sources.pins()
    monkeypatch.setattr(retrain, "load_rows", lambda root: (pins, {"pins": stats}))
    monkeypatch.setattr(sys, "argv", ["retrain", "--repo-root", str(REPO), "--verdicts", str(path),
                                      "--models-dir", str(models_dir), "--report-dir", str(tmp_path / "report")])
    retrain.main()
    return json.loads((tmp_path / "report" / "RETRAIN.json").read_text())


def test_a_campaign_the_serving_model_misses_gives_a_better_candidate_written_with_provenance(monkeypatch, tmp_path, models_dir):
    result = run_main(monkeypatch, tmp_path, models_dir, campaign_verdicts())
    assert result["gate"]["passed"], result["gate"]
    held = {k: result["figures"][k]["verdicts/heldout"] for k in ("candidate", "serving")}
    assert held["candidate"]["errors"] < held["serving"]["errors"]
    out = models_dir / "text-spam" / "3"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == "3" and manifest["build"]["command"] == "npm run models:retrain"
    assert manifest["training"]["sources"]["verdicts"]["train"] == result["verdicts"]["train"]
    assert manifest["source"]["based_on"].startswith("text-spam@2")
    policy = json.loads((out / "policy.json").read_text())
    assert policy["signals"]["text.spam"]["model"] == "text-spam@3"
    assert policy["signals"]["text.spam"]["review"]["spam"] == result["thresholds"]["review"]
    kept = [json.loads(line) for line in (out / "training-verdicts.jsonl").read_text().splitlines()]
    assert len(kept) == 80 and {k["part"] for k in kept} == {"train", "heldout"}
    assert "ACCEPTED" in (out / "RETRAIN.md").read_text()


def test_verdicts_that_agree_with_the_serving_model_write_nothing(monkeypatch, tmp_path, models_dir):
    agreeing = [v for v in campaign_verdicts() if v["verdict"] == "NOT_VIOLATING"]
    result = run_main(monkeypatch, tmp_path, models_dir, agreeing)
    assert not result["gate"]["passed"]
    assert not (models_dir / "text-spam" / "3").exists()
    assert "REFUSED" in (tmp_path / "report" / "RETRAIN.md").read_text()
