import json
from pathlib import Path

import pytest

from iw_backfill.errors import BackfillError
from iw_backfill.policy import Policy, load_policy

REPO = Path(__file__).resolve().parents[2]


def test_reads_the_worker_policy_file():
    policy = load_policy(REPO / "policy" / "policy-v1.json")
    assert policy.version == "policy-v1"
    assert policy.rule_for_model("text-spam") == "text.spam"
    assert policy.rule_for_model("image-safety") == "image.safety"


def test_thresholds_are_inclusive_and_block_wins():
    policy = load_policy(REPO / "policy" / "policy-v1.json")
    block = policy.signals["text.spam"]["block"]["spam"]
    review = policy.signals["text.spam"]["review"]["spam"]
    assert policy.decide("text.spam", {"ham": 0.0, "spam": block}) == "BLOCK"
    assert policy.decide("text.spam", {"spam": review}) == "REVIEW"
    assert policy.decide("text.spam", {"spam": review - 1e-9}) == "ALLOW"
    assert policy.decide("text.spam", None) == "UNSCORED"
    assert policy.decide("image.safety", {"Porn": float("nan"), "Sexy": 0.71}) == "REVIEW"
    assert policy.decide("unknown.signal", {"x": 1.0}) == "UNSCORED"


def test_overall_is_the_most_severe_and_unscored_never_lowers_it():
    assert Policy.overall(["UNSCORED", "ALLOW"]) == "ALLOW"
    assert Policy.overall(["REVIEW", "UNSCORED", "BLOCK"]) == "BLOCK"
    assert Policy.overall(["UNSCORED", "UNSCORED"]) == "UNSCORED"
    assert Policy.overall([]) == "UNSCORED"


@pytest.mark.parametrize(
    "change",
    [
        {"version": "v1"},
        {"combine": "average"},
        {"extra": 1},
        {"signals": {"text.spam": {"model": "text-spam", "review": {"spam": 1.5}, "block": {}}}},
        {"signals": {"Text": {"model": "text-spam", "review": {}, "block": {}}}},
    ],
)
def test_a_bad_policy_is_refused_with_its_code(tmp_path, change):
    value = json.loads((REPO / "policy" / "policy-v1.json").read_text()) | change
    file = tmp_path / "p.json"
    file.write_text(json.dumps(value))
    with pytest.raises(BackfillError) as caught:
        load_policy(file)
    assert caught.value.code == "IW_POLICY_INVALID"


def test_rule_classes_are_checked_against_the_model():
    policy = load_policy(REPO / "policy" / "policy-v1.json")
    with pytest.raises(BackfillError) as caught:
        policy.check_classes("text.spam", ["ham", "not-spam"])
    assert caught.value.code == "IW_POLICY_INVALID"
