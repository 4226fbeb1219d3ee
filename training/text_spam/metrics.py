"""Metrics, threshold selection on validation, and confusion matrices."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score


def at_threshold(y: np.ndarray, score: np.ndarray, t: float) -> dict:
    pred = score >= t
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    tn = int(np.sum(~pred & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": t,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": (tp + tn) / len(y),
        "fpr": fp / (fp + tn) if fp + tn else 0.0,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def ranking(y: np.ndarray, score: np.ndarray) -> dict:
    out = {"roc_auc": float(roc_auc_score(y, score)), "pr_auc": float(average_precision_score(y, score))}
    if np.all((score >= 0) & (score <= 1)):
        out["log_loss"] = float(log_loss(y, np.clip(score, 1e-7, 1 - 1e-7)))
    return out


def threshold_for_precision(y: np.ndarray, score: np.ndarray, target: float) -> float:
    """Lowest score threshold whose precision on (y, score) is >= target, i.e. the most recall the
    target allows. Thresholds are candidate scores; ties are handled by >=."""
    best = None
    for t in np.unique(score)[::-1]:
        m = at_threshold(y, score, float(t))
        if m["precision"] >= target:
            best = float(t)
    if best is None:
        raise ValueError(f"no threshold reaches precision {target}")
    return best


def best_f1_threshold(y: np.ndarray, score: np.ndarray) -> float:
    ts = np.unique(score)
    f1s = [at_threshold(y, score, float(t))["f1"] for t in ts]
    return float(ts[int(np.argmax(f1s))])
