"""The worker's policy (src/policy/policy-engine.ts) read from the same file.

Per signal: BLOCK if any block class scores at or above its threshold, else REVIEW if any review
class does, else ALLOW; a signal without scores is UNSCORED. Overall: the most severe decision of the
signals (BLOCK > REVIEW > ALLOW > UNSCORED), so UNSCORED signals never lower it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import BackfillError

SEVERITY = {"UNSCORED": 0, "ALLOW": 1, "REVIEW": 2, "BLOCK": 3}
_KEYS = {"version", "description", "combine", "signals"}


@dataclass(frozen=True)
class Policy:
    version: str
    signals: dict  # signal name -> {"model": str, "review": {class: t}, "block": {class: t}}

    def rule_for_model(self, model_name: str) -> str:
        """The signal a model feeds (`model` of its rule); IW_POLICY_INVALID when none or several."""
        names = [s for s, rule in self.signals.items() if rule["model"] == model_name]
        if len(names) != 1:
            raise BackfillError("IW_POLICY_INVALID", f"{self.version}: {len(names)} signals use {model_name}")
        return names[0]

    def check_classes(self, signal: str, classes: list[str]) -> None:
        for level in ("review", "block"):
            for name in self.signals[signal][level]:
                if name not in classes:
                    raise BackfillError("IW_POLICY_INVALID", f"{self.version}: {signal}.{level}.{name} is not a class")

    def decide(self, signal: str, scores: dict | None) -> str:
        rule = self.signals.get(signal)
        if scores is None or rule is None:
            return "UNSCORED"

        def triggered(thresholds: dict) -> bool:
            return any(
                name in scores and math.isfinite(scores[name]) and scores[name] >= threshold
                for name, threshold in thresholds.items()
            )

        if triggered(rule["block"]):
            return "BLOCK"
        if triggered(rule["review"]):
            return "REVIEW"
        return "ALLOW"

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
        raise bad("(root)", "not an object with version, description, combine, signals")
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
        for level in ("review", "block"):
            for cls, t in rule[level].items():
                if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1:
                    raise bad(f"signals.{name}.{level}.{cls}", "a number in [0, 1]")
    return Policy(value["version"], signals)


def load_policy(path: str | Path) -> Policy:
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise BackfillError("IW_POLICY_INVALID", f"{path}: cannot read JSON") from error
    return _check(value, str(path))
