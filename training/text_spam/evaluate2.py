"""Evaluation helpers for text-spam v2: calibration at a stated prevalence, thresholds, slices."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

PREVALENCE = 0.03
LENGTH_BUCKETS = ((0, 20, "<=20 chars"), (21, 60, "21-60"), (61, 200, "61-200"), (201, 10**9, ">200"))


def logit(p):
    p = np.clip(np.asarray(p, np.float64), 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def prevalence_weights(y: np.ndarray, prevalence: float = PREVALENCE) -> np.ndarray:
    """Weights that make a labelled set look like one with `prevalence` spam."""
    n1, n0 = max(1, int(y.sum())), max(1, int((1 - y).sum()))
    return np.where(y == 1, prevalence / n1, (1 - prevalence) / n0) * len(y)


def platt(z: np.ndarray, y: np.ndarray, prevalence: float = PREVALENCE) -> tuple[float, float]:
    """(a, c) so that sigmoid(a z + c) is calibrated on (z, y) reweighted to `prevalence`."""
    m = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    m.fit(z.reshape(-1, 1), y, sample_weight=prevalence_weights(y, prevalence))
    return float(m.coef_[0, 0]), float(m.intercept_[0])


def rates(y: np.ndarray, s: np.ndarray, review: float, block: float) -> dict:
    ham, spam = s[y == 0], s[y == 1]
    flagged = lambda x, t: float(np.mean(x >= t)) if len(x) else 0.0  # noqa: E731
    tpr, fpr = flagged(spam, review), flagged(ham, review)
    btpr, bfpr = flagged(spam, block), flagged(ham, block)

    def prec(tp, fp):
        d = PREVALENCE * tp + (1 - PREVALENCE) * fp
        return PREVALENCE * tp / d if d else None

    return {
        "n_ham": int(len(ham)), "n_spam": int(len(spam)),
        "ham_flagged": fpr, "ham_flagged_n": int(np.sum(ham >= review)),
        "ham_blocked": bfpr, "ham_blocked_n": int(np.sum(ham >= block)),
        "spam_flagged": tpr if len(spam) else None, "spam_blocked": btpr if len(spam) else None,
        "review_precision_at_3pct": prec(tpr, fpr) if len(spam) and len(ham) else None,
        "block_precision_at_3pct": prec(btpr, bfpr) if len(spam) and len(ham) else None,
    }


def thresholds(y_dev: np.ndarray, s_dev: np.ndarray, ham_extra: np.ndarray, max_flag: float = 0.01) -> dict:
    """REVIEW: the lowest score at which at most `max_flag` of the development ham pins are flagged
    (half the 2% aim, as margin). BLOCK: above every development ham pin and every validation ham
    text of the other sources (`ham_extra`), and never below REVIEW."""
    ham = np.sort(s_dev[y_dev == 0])[::-1]
    k = int(np.floor(max_flag * len(ham)))  # ham scores allowed at or above REVIEW
    review = float(np.nextafter(np.float32(ham[k]), np.float32(1)))
    top = max(float(ham[0]), float(np.max(ham_extra)) if len(ham_extra) else 0.0)
    block = max(review, float(np.nextafter(np.float32(top), np.float32(1))))
    return {"review": round(review, 6) if round(review, 6) > ham[k] else review,
            "block": round(block, 6) if round(block, 6) > top else block,
            "rule": f"REVIEW: <= {max_flag:.0%} of dev ham pins flagged; BLOCK: above every dev ham pin and "
                    "every validation ham text (SMS, tweets)"}


def reliability(y: np.ndarray, s: np.ndarray, bins=(0, 0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001)) -> list[dict]:
    """Reliability table with the set reweighted to 3% spam: mean score vs observed spam share per bin."""
    w = prevalence_weights(y)
    out = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (s >= lo) & (s < hi)
        if not m.any():
            continue
        out.append({"bin": f"[{lo:.2f}, {min(hi, 1):.2f})", "n": int(m.sum()),
                    "mean_score": float(np.average(s[m], weights=w[m])),
                    "spam_share": float(np.average(y[m], weights=w[m]))})
    return out


def ece(y: np.ndarray, s: np.ndarray) -> float:
    w = prevalence_weights(y)
    tot = 0.0
    bins = np.clip((s * 10).astype(int), 0, 9)
    for b in range(10):
        m = bins == b
        if m.any():
            tot += w[m].sum() * abs(np.average(s[m], weights=w[m]) - np.average(y[m], weights=w[m]))
    return float(tot / w.sum())


def length_bucket(text: str) -> str:
    n = len(text.strip())
    for lo, hi, name in LENGTH_BUCKETS:
        if lo <= n <= hi:
            return name
    return LENGTH_BUCKETS[-1][2]
