"""The whole text-spam pipeline: corpus -> split -> features -> model selection on validation ->
ONNX -> thresholds -> test evaluation (+ peers) -> manifest, report and parity fixtures.

    python -m text_spam.build --repo-root .. [--no-peers]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from scipy import sparse

from . import corpus, featurizer, linear, metrics, onnx_export, peers, report
from .split import FRACTIONS, SEED, split, split_digest

NAME, VERSION = "text-spam", "1"
TARGETS = {"review": 0.95, "block": 0.99}


def matrix(rows) -> sparse.csr_matrix:
    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    idx = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int64)
    val = np.concatenate([v for _, v in rows]).astype(np.float64) if rows else np.zeros(0)
    return sparse.csr_matrix((val, idx, indptr), shape=(len(rows), featurizer.BUCKETS))


def onnx_scores(model_bytes: bytes, rows, batch: int = 64) -> np.ndarray:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    out = []
    for s in range(0, len(rows), batch):
        idx, val = onnx_export.pad(rows[s : s + batch])
        out.append(sess.run(["probabilities"], {"indices": idx, "values": val})[0][:, 1])
    return np.concatenate(out).astype(np.float64)


def select(X, y, parts):
    tried = []
    best = None
    for family, params, fit in linear.candidates():
        t0 = time.perf_counter()
        model = fit(X[parts["train"]], y[parts["train"]])
        seconds = time.perf_counter() - t0
        p = model.proba(X[parts["validation"]])
        rank = metrics.ranking(y[parts["validation"]], p)
        f1 = metrics.at_threshold(y[parts["validation"]], p, 0.5)["f1"]
        tried.append({"family": family, "params": params, "validation": {**rank, "f1_at_0.5": f1}})
        print(f"  {family:22s} {json.dumps(params):16s} PR-AUC {rank['pr_auc']:.5f} ROC-AUC {rank['roc_auc']:.5f} "
              f"logloss {rank['log_loss']:.4f} F1@0.5 {f1:.4f} ({seconds:.1f}s)")
        key = (round(rank["pr_auc"], 6), -round(rank["log_loss"], 6))
        if best is None or key > best[0]:
            best = (key, model, seconds)
    return best[1], best[2], tried


def peer_results(raws, y, groups, parts, blocks):
    def rows(name):
        return [(str(i), raws[i]) for i in parts[name]]

    train = parts["train"]
    ham = [(str(i), raws[i]) for i in train if y[i] == 0]
    spam = [(str(i), raws[i]) for i in train if y[i] == 1]
    out = {}
    runs = {
        "bogofilter": lambda s: peers.bogofilter(ham, spam, rows(s)),
        "spamprobe": lambda s: peers.spamprobe(ham, spam, rows(s)),
        "spamassassin": lambda s: peers.spamassassin(rows(s)),
    }
    native = {"bogofilter": 0.99, "spamprobe": 0.6, "spamassassin": 5.0}
    for name, run in runs.items():
        t0 = time.perf_counter()
        val = run("validation")
        if val is None:
            out[name] = {"skipped": "not installed"}
            continue
        test = np.asarray(run("test"))
        val = np.asarray(val)
        print(f"  peer {name}: {time.perf_counter() - t0:.0f}s")
        out[name] = report.evaluate(y, groups, parts, val, test, native=native[name], targets=TARGETS)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo-root", type=Path, default=Path(__file__).resolve().parents[2])
    ap.add_argument("--no-peers", action="store_true", help="skip bogofilter/spamprobe/SpamAssassin")
    args = ap.parse_args()
    root = args.repo_root.resolve()
    out_dir = root / "models" / NAME / VERSION
    fixtures = root / "test" / "fixtures" / "text-spam"
    out_dir.mkdir(parents=True, exist_ok=True)
    fixtures.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    messages, stats = corpus.load(root)
    raws = {i: f.read_bytes() for i, f in enumerate(corpus.corpus_files(root))}
    by_id = {f"{f.parent.name}/{f.stem}": i for i, f in enumerate(corpus.corpus_files(root))}
    raws = [raws[by_id[m.id]] for m in messages]
    ids = [m.id for m in messages]
    groups = [m.group for m in messages]
    y = np.asarray([m.label for m in messages])
    parts = split(ids, groups, SEED)
    print(f"corpus {stats} in {time.perf_counter() - t0:.1f}s; split " + ", ".join(f"{k} {len(v)}" for k, v in parts.items()))

    t1 = time.perf_counter()
    rows = [featurizer.featurize(m.text) for m in messages]
    X = matrix(rows)
    print(f"featurized {len(rows)} texts in {time.perf_counter() - t1:.1f}s")

    print("model selection on validation (primary PR-AUC, then log loss):")
    model, train_seconds, tried = select(X, y, parts)
    print(f"chosen {model.family} {model.params}; fit {train_seconds:.1f}s")

    onnx_bytes = onnx_export.build(model.w, model.b)
    (out_dir / "model.onnx").write_bytes(onnx_bytes)
    sha = hashlib.sha256(onnx_bytes).hexdigest()

    val_rows = [rows[i] for i in parts["validation"]]
    test_rows = [rows[i] for i in parts["test"]]
    p_val = onnx_scores(onnx_bytes, val_rows)
    p_test = onnx_scores(onnx_bytes, test_rows)
    drift = float(np.max(np.abs(p_test - model.proba(X[parts["test"]]))))
    print(f"ONNX vs training math on test: max |dp| = {drift:.2e}")
    assert drift < 1e-5, drift

    ours = report.evaluate(y, groups, parts, p_val, p_test, native=0.5, targets=TARGETS)
    peer = {} if args.no_peers else peer_results(raws, y, groups, parts, TARGETS)

    version = corpus.package_version(root)
    split_sizes = {k: {"total": len(v), "spam": int(y[v].sum()), "hard_ham": sum(groups[i] == "hard-ham-1" for i in v)} for k, v in parts.items()}
    manifest = report.manifest(
        name=NAME, version=VERSION, sha=sha, size=len(onnx_bytes), model=model, ours=ours,
        corpus_version=version, stats=stats, seed=SEED, fractions=FRACTIONS, split_sizes=split_sizes,
        split_sha=split_digest(ids, parts), preprocess=featurizer.spec(),
    )
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    evaluation = {"model": {"family": model.family, "params": model.params, "file_bytes": len(onnx_bytes), "sha256": sha},
                  "corpus": stats, "split": split_sizes, "selection": tried, "targets": TARGETS,
                  "text_spam_v1": ours, "peers": peer}
    (out_dir / "EVALUATION.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    (out_dir / "EVALUATION.md").write_text(report.markdown(evaluation))

    report.write_fixtures(root, fixtures, messages, parts, test_rows, p_test, sha)
    print(f"model.onnx {len(onnx_bytes)} bytes sha256 {sha}; total {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
