import json
from pathlib import Path

import pytest

from iw_backfill.errors import BackfillError
from iw_backfill.policy import Policy, load_policy

REPO = Path(__file__).resolve().parents[2]


def test_reads_the_worker_policy_file():
    policy = load_policy(REPO / "policy" / "policy-v1.json")
    assert policy.version == "policy-v1"
    assert policy.rule_for_model("text-spam@1") == "text.spam"
    assert policy.rule_for_model("image-safety@1") == "image.safety"
    assert policy.unscored == {"default": "REVIEW", "reasons": {"IW_CONTENT_ABSENT": "IGNORE"}, "pending": "HOLD"}


def test_the_default_policy_names_the_models_of_a_run():
    policy = load_policy(REPO / "policy" / "policy-v2.json")
    assert policy.model_ids() == ["image-safety@1", "text-spam@2"]
    assert policy.rule_for_model("text-spam@2") == "text.spam"


def test_a_model_the_policy_was_not_chosen_for_is_refused():
    policy = load_policy(REPO / "policy" / "policy-v2.json")
    with pytest.raises(BackfillError) as caught:
        policy.rule_for_model("text-spam@1")
    assert caught.value.code == "IW_POLICY_MODEL_MISMATCH"
    with pytest.raises(BackfillError) as caught:
        policy.rule_for_model("other-model@1")
    assert caught.value.code == "IW_POLICY_INVALID"


def test_unscored_signals_follow_the_rules_for_their_reason():
    policy = load_policy(REPO / "policy" / "policy-v2.json")
    # Named in the file (policy-v2: IW_CONTENT_ABSENT is IGNORE): UNSCORED, does not count.
    assert policy.decide_signal("image.safety", None, "IW_CONTENT_ABSENT") == ("UNSCORED", "unscored.IW_CONTENT_ABSENT")
    # Not named: the default, REVIEW, also for a transient code (the job schedules no rescan).
    assert policy.decide_signal("image.safety", None, "IW_FETCH_STATUS") == ("REVIEW", "unscored.default")
    assert policy.decide_signal("image.safety", None, "IW_FETCH_TIMEOUT") == ("REVIEW", "unscored.default")
    assert policy.decide_signal("text.spam", {"ham": 1.0, "spam": 0.0}) == ("ALLOW", "thresholds")
    assert policy.decide_signal("other.signal", {"x": 1.0}) == ("UNSCORED", "no-rule")


def test_without_an_unscored_section_absent_content_is_ignored_and_the_rest_review(tmp_path):
    value = json.loads((REPO / "policy" / "policy-v2.json").read_text())
    del value["unscored"]
    file = tmp_path / "p.json"
    file.write_text(json.dumps(value))
    policy = load_policy(file)
    assert policy.unscored == {"default": "REVIEW", "reasons": {}, "pending": "HOLD"}
    assert policy.decide_signal("image.safety", None, "IW_CONTENT_ABSENT") == ("UNSCORED", "unscored.absent")
    assert policy.decide_signal("image.safety", None, "IW_IMAGE_DECODE") == ("REVIEW", "unscored.default")
    # No reason at all counts as an internal failure, as in the worker: never a silent ALLOW.
    assert policy.decide_signal("image.safety", None) == ("REVIEW", "unscored.default")


def test_a_reason_rule_of_the_file_wins(tmp_path):
    value = json.loads((REPO / "policy" / "policy-v2.json").read_text())
    value["unscored"] = {"default": "BLOCK", "reasons": {"IW_FETCH_STATUS": "ALLOW", "IW_CONTENT_ABSENT": "REVIEW"}}
    file = tmp_path / "p.json"
    file.write_text(json.dumps(value))
    policy = load_policy(file)
    assert policy.decide_signal("image.safety", None, "IW_FETCH_STATUS") == ("ALLOW", "unscored.IW_FETCH_STATUS")
    assert policy.decide_signal("image.safety", None, "IW_CONTENT_ABSENT") == ("REVIEW", "unscored.IW_CONTENT_ABSENT")
    assert policy.decide_signal("image.safety", None, "IW_IMAGE_DECODE") == ("BLOCK", "unscored.default")


def test_thresholds_are_inclusive_and_block_wins():
    policy = load_policy(REPO / "policy" / "policy-v1.json")
    block = policy.signals["text.spam"]["block"]["spam"]
    review = policy.signals["text.spam"]["review"]["spam"]
    assert policy.decide("text.spam", {"ham": 0.0, "spam": block}) == "BLOCK"
    assert policy.decide("text.spam", {"spam": review}) == "REVIEW"
    assert policy.decide("text.spam", {"spam": review - 1e-9}) == "ALLOW"
    assert policy.decide("text.spam", None, "IW_CONTENT_ABSENT") == "UNSCORED"
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
        {"signals": {"text.spam": {"model": "text-spam@1", "review": {"spam": 1.5}, "block": {}}}},
        {"signals": {"Text": {"model": "text-spam@1", "review": {}, "block": {}}}},
        {"signals": {"text.spam": {"model": "text-spam", "review": {}, "block": {}}}},
        {"unscored": {"default": "MAYBE"}},
        {"unscored": {"reasons": {"not-a-code": "REVIEW"}}},
        {"unscored": {"pending": "IGNORE"}},
        {"unscored": {"extra": 1}},
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
