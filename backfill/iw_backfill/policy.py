"""The worker's policy (src/policy/policy.ts, policy-engine.ts) read from the same file.

A signal's rule is bound to one model version (`"model": "text-spam@2"`): a model the rule does not
name refuses to load (IW_POLICY_MODEL_MISMATCH), as in the worker, so the models of a run follow the
policy file. Per scored signal: BLOCK if any block class scores at or above its threshold, else REVIEW
if any review class does, else ALLOW (rule `thresholds`). Per signal without scores (a reason code):
the policy's rule for that code (`unscored.<CODE>`), else IGNORE for IW_CONTENT_ABSENT
(`unscored.absent`), else its default (`unscored.default`, REVIEW unless the file says otherwise);
IGNORE makes the signal UNSCORED and it does not count. The backfill never schedules a rescan, so a
transient failure gets these permanent rules at once: the worker decides the same way once a pin's
rescans are used up (or with RESCAN_MAX_ATTEMPTS=0). Overall: the most severe decision of the signals
(BLOCK > REVIEW > ALLOW); UNSCORED when no signal counted.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import BackfillError

SEVERITY = {"UNSCORED": 0, "ALLOW": 1, "REVIEW": 2, "BLOCK": 3}
UNSCORED_RULES = ("IGNORE", "ALLOW", "REVIEW", "BLOCK")
_KEYS = {"version", "description", "combine", "signals", "unscored"}
_UNSCORED_KEYS = {"default", "reasons", "pending"}
_MODEL_ID = re.compile(r"[a-z0-9-]+@[A-Za-z0-9._-]+")
_CODE = re.compile(r"IW_[A-Z0-9_]+")

# The signals the job computes. A policy may hold rules for others (video.safety, near-duplicates, ...):
# they need content or state a backfill does not have, and are left to the live worker.
COMPUTED_SIGNALS = ("image.safety", "text.spam")


@dataclass(frozen=True)
class Policy:
    version: str
    signals: dict  # signal name -> {"model": "name@version", "review": {class: t}, "block": {class: t}}
    unscored: dict  # {"default": rule, "reasons": {code: rule}, "pending": "HOLD" | "REVIEW"}

    def rule_for_model(self, model_id: str) -> str:
        """The signal whose rule is bound to `model_id` (name@version).

        IW_POLICY_MODEL_MISMATCH when the policy's rule for that model is for another version,
        IW_POLICY_INVALID when no rule (or several) names the model.
        """
        computed = {s: rule for s, rule in self.signals.items() if s in COMPUTED_SIGNALS}
        exact = [s for s, rule in computed.items() if rule["model"] == model_id]
        if len(exact) == 1:
            return exact[0]
        name = model_id.partition("@")[0]
        others = [rule["model"] for rule in computed.values() if rule["model"].partition("@")[0] == name]
        if not exact and others:
            raise BackfillError(
                "IW_POLICY_MODEL_MISMATCH",
                f"{self.version}: the thresholds for {name} are for {', '.join(others)}, the job was given {model_id}",
            )
        raise BackfillError("IW_POLICY_INVALID", f"{self.version}: {len(exact)} signals use {model_id}")

    def model_ids(self) -> list[str]:
        """The models of the computed signals' rules, in the file's order (the job's default models)."""
        return [rule["model"] for s, rule in self.signals.items() if s in COMPUTED_SIGNALS]

    def check_classes(self, signal: str, classes: list[str]) -> None:
        for level in ("review", "block"):
            for name in self.signals[signal][level]:
                if name not in classes:
                    raise BackfillError("IW_POLICY_INVALID", f"{self.version}: {signal}.{level}.{name} is not a class")

    def decide_signal(self, signal: str, scores: dict | None, reason: str | None = None) -> tuple[str, str]:
        """(decision, rule) of one signal: scored by its thresholds, else by the unscored rules."""
        rule = self.signals.get(signal)
        if rule is None:
            return "UNSCORED", "no-rule"
        if scores is None:
            return self._unscored(reason or "IW_INTERNAL")

        def triggered(thresholds: dict) -> bool:
            return any(
                name in scores and math.isfinite(scores[name]) and scores[name] >= threshold
                for name, threshold in thresholds.items()
            )

        if triggered(rule["block"]):
            return "BLOCK", "thresholds"
        if triggered(rule["review"]):
            return "REVIEW", "thresholds"
        return "ALLOW", "thresholds"

    def _unscored(self, reason: str) -> tuple[str, str]:
        reasons = self.unscored["reasons"]
        if reason in reasons:
            applied, rule = reasons[reason], f"unscored.{reason}"
        elif reason == "IW_CONTENT_ABSENT":
            applied, rule = "IGNORE", "unscored.absent"
        else:
            applied, rule = self.unscored["default"], "unscored.default"
        return ("UNSCORED" if applied == "IGNORE" else applied), rule

    def decide(self, signal: str, scores: dict | None, reason: str | None = None) -> str:
        return self.decide_signal(signal, scores, reason)[0]

    @staticmethod
    def overall(decisions: list[str]) -> str:
        best = "UNSCORED"
        for decision in decisions:
            if SEVERITY[decision] > SEVERITY[best]:
                best = decision
        return best


def _check(value: object, file: str) -> Policy:
    def bad(field: str, why: str) -> BackfillError:
        return BackfillError("IW_POLICY_INVALID", f"{file}: field {field}: {why}")

    if not isinstance(value, dict) or set(value) - _KEYS:
        raise bad("(root)", "not an object with version, description, combine, signals, unscored")
    if not isinstance(value.get("version"), str) or not re.fullmatch(r"policy-v[0-9]+", value["version"]):
        raise bad("version", "like policy-v1")
    if value.get("combine") != "max-severity":
        raise bad("combine", "only max-severity exists")
    signals = value.get("signals")
    if not isinstance(signals, dict):
        raise bad("signals", "an object")
    for name, rule in signals.items():
        if not re.fullmatch(r"[a-z]+\.[a-z.]+", name):
            raise bad(f"signals.{name}", "like image.safety")
        if not isinstance(rule, dict) or set(rule) != {"model", "review", "block"}:
            raise bad(f"signals.{name}", "model, review and block")
        if not isinstance(rule["model"], str) or not _MODEL_ID.fullmatch(rule["model"]):
            raise bad(f"signals.{name}.model", "like text-spam@1 (<name>@<version>)")
        for level in ("review", "block"):
            if not isinstance(rule[level], dict):
                raise bad(f"signals.{name}.{level}", "an object")
            for cls, t in rule[level].items():
                if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1:
                    raise bad(f"signals.{name}.{level}.{cls}", "a number in [0, 1]")
    given = value.get("unscored", {})
    if not isinstance(given, dict) or set(given) - _UNSCORED_KEYS:
        raise bad("unscored", "an object with default, reasons, pending")
    unscored = {
        "default": given.get("default", "REVIEW"),
        "reasons": given.get("reasons", {}),
        "pending": given.get("pending", "HOLD"),
    }
    if unscored["default"] not in UNSCORED_RULES:
        raise bad("unscored.default", f"one of {', '.join(UNSCORED_RULES)}")
    if not isinstance(unscored["reasons"], dict):
        raise bad("unscored.reasons", "an object")
    for code, rule in unscored["reasons"].items():
        # The worker also checks that the code is one of src/errors.ts; the job sees only its shape.
        if not _CODE.fullmatch(code):
            raise bad(f"unscored.reasons.{code}", "an IW_* code")
        if rule not in UNSCORED_RULES:
            raise bad(f"unscored.reasons.{code}", f"one of {', '.join(UNSCORED_RULES)}")
    if unscored["pending"] not in ("HOLD", "REVIEW"):
        raise bad("unscored.pending", "HOLD or REVIEW")
    return Policy(value["version"], signals, unscored)


def load_policy(path: str | Path) -> Policy:
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise BackfillError("IW_POLICY_INVALID", f"{path}: cannot read JSON") from error
    return _check(value, str(path))
