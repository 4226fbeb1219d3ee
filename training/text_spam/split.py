"""Stratified train/validation/test split with a fixed seed (stratified by corpus group, so every
split holds the same share of hard ham and of each spam set)."""

from __future__ import annotations

import hashlib

import numpy as np

SEED = 42
FRACTIONS = {"train": 0.70, "validation": 0.15, "test": 0.15}


def split(ids: list[str], groups: list[str], seed: int = SEED) -> dict[str, list[int]]:
    """-> {"train"|"validation"|"test": sorted row indices}. Depends only on (ids, groups, seed):
    rows are ordered by id, shuffled per group with a seeded generator, then cut by the fractions."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[int]] = {k: [] for k in FRACTIONS}
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    for group in sorted(set(groups)):
        rows = np.array([i for i in order if groups[i] == group])
        rows = rows[rng.permutation(len(rows))]
        n_train = round(len(rows) * FRACTIONS["train"])
        n_val = round(len(rows) * FRACTIONS["validation"])
        out["train"] += rows[:n_train].tolist()
        out["validation"] += rows[n_train : n_train + n_val].tolist()
        out["test"] += rows[n_train + n_val :].tolist()
    return {k: sorted(v) for k, v in out.items()}


def split_digest(ids: list[str], parts: dict[str, list[int]]) -> str:
    h = hashlib.sha256()
    for name in FRACTIONS:
        h.update(name.encode() + b":" + ",".join(ids[i] for i in parts[name]).encode() + b"\n")
    return h.hexdigest()
