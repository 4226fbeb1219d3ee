"""Retraining text-spam from reviewer verdicts (issue 14, "Retraining from verdicts").

Verdicts (ReviewVerdict on integrity.reviews.v1, joined with the pins' texts by
scripts/models/retrain.ts) join the training data of the serving model's own recipe (build2: the same
sources, the same hashed features, the serving family and C, Platt at 3% on the development pins,
thresholds by the same rule) as one more source with its provenance. The candidate is compared with
the serving version on held-out verdicts (a fixed share of the reviewed pins, by pin id) and on the
pin-like development and unseen sets; `models/<name>/<next>/` (model, manifest, policy, report,
the verdicts used) is written only when the gate passes. The report is written either way.

    python -m text_spam.retrain --repo-root .. --verdicts verdicts.jsonl [--models-dir DIR] [--report-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np

from . import featurizer, onnx_export, report2
from . import evaluate2 as ev
from .build import matrix, onnx_scores
from .build2 import fit_lr, load_rows, weights
from .sources import Row

NAME = "text-spam"
VERDICT_SHARE = 0.2  # weight share of the verdicts in training; the recipe's shares take the rest
HELD_OUT = 0.3  # share of reviewed pins kept out of training, by a hash of the pin id
MIN_HELD_OUT = 10  # fewer held-out verdicts than this cannot show that a candidate is better
MAX_REGRESSION = 0.02  # most a pin set's ham-flagged rate may rise, or its spam-flagged rate fall
HASHED = "iw-text-hash-v1"
TEXT_SIGNAL = "text.spam"


# --- verdicts -----------------------------------------------------------------------------------


def read_verdicts(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def held_out(pin_id: str) -> bool:
    """The same pin is always on the same side, whatever else was reviewed."""
    return int(hashlib.sha256(pin_id.encode()).hexdigest()[:8], 16) / 2**32 < HELD_OUT


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def verdict_rows(verdicts: list[dict], eval_texts: set[str]) -> tuple[list[Row], list[dict], dict]:
    """Latest text verdict per pin -> Rows (source `verdicts`, part train | heldout), the records kept
    (with their part) and counts. A verdict on a text that is in an evaluation set never trains."""
    latest: dict[str, dict] = {}
    counts = {"read": len(verdicts), "other_signal": 0, "unknown": 0, "without_text": 0, "superseded": 0,
              "eval_duplicates": 0}
    for v in verdicts:
        if v.get("signal") != TEXT_SIGNAL:
            counts["other_signal"] += 1
            continue
        if v.get("verdict") not in ("VIOLATES", "NOT_VIOLATING"):
            counts["unknown"] += 1  # the reviewer could not tell: no label for training
            continue
        if not any(v.get(k) for k in ("title", "description", "link")):
            counts["without_text"] += 1
            continue
        prev = latest.get(v["pinId"])
        if prev is not None:
            counts["superseded"] += 1
            if (prev["reviewedAt"], prev["verdictId"]) > (v["reviewedAt"], v["verdictId"]):
                continue
        latest[v["pinId"]] = v
    rows, kept = [], []
    for pin_id in sorted(latest):
        v = latest[pin_id]
        part = "heldout" if held_out(pin_id) else "train"
        row = Row("verdicts", part, 1 if v["verdict"] == "VIOLATES" else 0, v.get("title") or "",
                  v.get("description") or "", v.get("link") or "", "und", v.get("queue", ""), pin_id)
        if part == "train" and _norm(row.text) in eval_texts:
            counts["eval_duplicates"] += 1
            continue
        rows.append(row)
        kept.append({**{k: v.get(k) for k in ("verdictId", "pinId", "verdict", "reviewerId", "reviewedAt", "queue",
                                               "inclusionProbability", "model", "decision", "source")},
                     "part": part, "title": row.title, "description": row.description, "link": row.link})
    for part in ("train", "heldout"):
        counts[part] = sum(r.part == part for r in rows)
        counts[f"{part}_violating"] = sum(r.part == part and r.label == 1 for r in rows)
    counts["reviewers"] = len({k["reviewerId"] for k in kept})
    return rows, kept, counts


# --- training and evaluation ----------------------------------------------------------------------


def serving_model(models_dir: Path, version: str | None) -> tuple[str, dict, bytes]:
    versions = sorted((int(p.name) for p in (models_dir / NAME).iterdir() if p.name.isdigit()))
    version = version or str(versions[-1])
    d = models_dir / NAME / version
    manifest = json.loads((d / "manifest.json").read_text())
    if manifest["preprocess"].get("featurizer") != HASHED:
        raise SystemExit(f"{NAME}@{version}: retraining supports the hashed linear family ({HASHED}) only")
    return version, manifest, (d / manifest["file"]).read_bytes()


def next_version(models_dir: Path) -> str:
    return str(max(int(p.name) for p in (models_dir / NAME).iterdir() if p.name.isdigit()) + 1)


def errors(y: np.ndarray, s: np.ndarray, review: float) -> int:
    """Verdicts the model's REVIEW threshold gets wrong: ham flagged plus violations not flagged."""
    return int(np.sum((y == 0) & (s >= review)) + np.sum((y == 1) & (s < review)))


def train_candidate(rows: list[Row], X, recipe: dict, verdict_share: float = VERDICT_SHARE) -> dict:
    y = np.array([r.label for r in rows])
    idx = lambda src, part: [i for i, r in enumerate(rows) if (r.source, r.part) == (src, part)]  # noqa: E731
    train = [i for i, r in enumerate(rows) if r.part == "train"]
    shares = {k: v * (1 - verdict_share) for k, v in recipe["source_shares"].items()}
    if any(rows[i].source == "verdicts" for i in train):
        shares["verdicts"] = verdict_share
    w, b = fit_lr(X[train], y[train], weights(rows, train, shares), recipe["C"])
    z = np.asarray(X @ w).ravel() + b
    dev = idx("pins", "dev")
    ham_extra = [i for k in ("sms", "tweets") for i in idx(k, "validation") if y[i] == 0]
    a, c = ev.platt(z[dev], y[dev])
    s = 1 / (1 + np.exp(-(a * z + c)))
    th = ev.thresholds(y[dev], s[dev], s[ham_extra])
    return {"w": w, "b": b, "a": a, "c": c, "s": s, "th": th, "shares": shares, "C": recipe["C"],
            "dev": dev, "ham_extra": ham_extra}


def evaluate(rows: list[Row], s: np.ndarray, review: float, block: float) -> dict:
    y = np.array([r.label for r in rows])
    out = {}
    for key in (("verdicts", "heldout"), ("pins", "dev"), ("pins", "unseen")):
        ii = [i for i, r in enumerate(rows) if (r.source, r.part) == key]
        out["/".join(key)] = {**ev.rates(y[ii], s[ii], review, block), "errors": errors(y[ii], s[ii], review),
                              "n": len(ii)} if ii else {"n": 0, "errors": 0}
    return out


def gate(candidate: dict, serving: dict) -> dict:
    """Better means: enough held-out verdicts, fewer of them wrong, and no pin set worse by more than
    MAX_REGRESSION in ham flagged or spam flagged."""
    held_c, held_s = candidate["verdicts/heldout"], serving["verdicts/heldout"]
    checks = [
        {"check": f"held-out verdicts >= {MIN_HELD_OUT}", "candidate": held_c["n"], "serving": held_s["n"],
         "ok": held_c["n"] >= MIN_HELD_OUT},
        {"check": "fewer held-out verdicts wrong at the REVIEW threshold", "candidate": held_c["errors"],
         "serving": held_s["errors"], "ok": held_c["errors"] < held_s["errors"]},
    ]
    for key in ("pins/dev", "pins/unseen"):
        c, s = candidate[key], serving[key]
        checks.append({"check": f"{key}: ham flagged at most +{MAX_REGRESSION:.0%}", "candidate": c["ham_flagged"],
                       "serving": s["ham_flagged"], "ok": c["ham_flagged"] <= s["ham_flagged"] + MAX_REGRESSION})
        checks.append({"check": f"{key}: spam flagged at most -{MAX_REGRESSION:.0%}", "candidate": c["spam_flagged"],
                       "serving": s["spam_flagged"], "ok": c["spam_flagged"] >= s["spam_flagged"] - MAX_REGRESSION})
    return {"passed": all(c["ok"] for c in checks), "checks": checks}


# --- outputs ------------------------------------------------------------------------------------


def next_policy_version(root: Path) -> str:
    found = [int(m.group(1)) for p in (root / "policy").glob("policy-v*.json") if (m := re.match(r"policy-v(\d+)\.json$", p.name))]
    return f"policy-v{max(found, default=0) + 1}"


def policy_for(root: Path, serving_version: str, version: str, th: dict, sha: str) -> dict:
    """The serving policy (the one whose text rule names the serving version) with the candidate's thresholds."""
    base = None
    for p in sorted((root / "policy").glob("policy-v*.json")):
        doc = json.loads(p.read_text())
        if doc.get("signals", {}).get(TEXT_SIGNAL, {}).get("model") == f"{NAME}@{serving_version}":
            base = doc
    if base is None:
        raise SystemExit(f"no policy in policy/ names {NAME}@{serving_version}")
    return {**base, "version": next_policy_version(root),
            "description": f"{NAME}@{version} (retrained from verdicts, model sha256 {sha[:12]}): thresholds chosen on the "
                           f"development pins by build2's rule; other signals as in {base['version']}.",
            "signals": {**base["signals"], TEXT_SIGNAL: {"model": f"{NAME}@{version}", "review": {"spam": th["review"]},
                                                          "block": {"spam": th["block"]}}}}


def markdown(r: dict) -> str:
    f = lambda x: "-" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)  # noqa: E731
    L = [f"# {NAME}@{r['candidate_version']} retrained from verdicts: {'ACCEPTED' if r['gate']['passed'] else 'REFUSED'}\n",
         f"Generated by `npm run models:retrain` (training/text_spam/retrain.py); serving {NAME}@{r['serving_version']}. "
         f"Candidate: the serving recipe (hashed linear, C={r['recipe']['C']}) on its sources plus the verdicts "
         f"(weight share {r['shares'].get('verdicts', 0):.0%}), Platt at 3% and thresholds on pins/dev (REVIEW >= {r['thresholds']['review']:.6f}, "
         f"BLOCK >= {r['thresholds']['block']:.6f}). {'Written to ' + r['written'] if r.get('written') else 'Nothing written to models/.'}\n",
         "## Verdicts\n", "| " + " | ".join(r["verdicts"]) + " |", "| " + " | ".join("---" for _ in r["verdicts"]) + " |",
         "| " + " | ".join(str(v) for v in r["verdicts"].values()) + " |", "",
         "## Gate\n", "| check | candidate | serving | ok |", "| --- | --- | --- | --- |"]
    L += [f"| {c['check']} | {f(c['candidate'])} | {f(c['serving'])} | {'yes' if c['ok'] else 'NO'} |" for c in r["gate"]["checks"]]
    L += ["", "## Figures\n", "| system | set | n | wrong | ham flagged | spam flagged | REVIEW prec. @3% |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for system in ("candidate", "serving"):
        for key, m in r["figures"][system].items():
            L.append(f"| {system} | {key} | {m['n']} | {m['errors']} | {f(m.get('ham_flagged'))} | {f(m.get('spam_flagged'))} | "
                     f"{f(m.get('review_precision_at_3pct'))} |")
    return "\n".join(L) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo-root", type=Path, default=Path(__file__).resolve().parents[2])
    ap.add_argument("--verdicts", type=Path, required=True, help="JSONL: one verdict joined with its pin's text per line")
    ap.add_argument("--models-dir", type=Path, help="default: <repo-root>/models")
    ap.add_argument("--report-dir", type=Path, help="default: <repo-root>/var/retrain")
    ap.add_argument("--serving", help="the serving version of text-spam (default: the highest)")
    ap.add_argument("--verdict-share", type=float, default=VERDICT_SHARE, help="weight share of the verdicts in training")
    args = ap.parse_args()
    root = args.repo_root.resolve()
    models_dir = (args.models_dir or root / "models").resolve()
    report_dir = (args.report_dir or root / "var" / "retrain").resolve()
    t0 = time.perf_counter()

    serving_version, serving_manifest, serving_bytes = serving_model(models_dir, args.serving)
    version = next_version(models_dir)
    base, stats = load_rows(root)
    eval_texts = {_norm(r.text) for r in base if r.source == "pins" and r.part in ("dev", "unseen")}
    verdicts_raw = args.verdicts.read_bytes()
    vrows, kept, counts = verdict_rows(read_verdicts(args.verdicts), eval_texts)
    rows = base + vrows
    feats = [featurizer.featurize(r.text) for r in rows]
    X = matrix(feats)
    recipe = serving_manifest["source"]["params"]
    cand = train_candidate(rows, X, recipe, args.verdict_share)

    wf, bf = cand["a"] * cand["w"], cand["a"] * cand["b"] + cand["c"]
    onnx_bytes = onnx_export.build(wf, bf)
    s_cand = onnx_scores(onnx_bytes, feats)
    drift = float(np.max(np.abs(s_cand - cand["s"])))
    assert drift < 1e-4, drift
    s_serv = onnx_scores(serving_bytes, feats)
    th_s = serving_manifest["thresholds"]
    figures = {"candidate": evaluate(rows, s_cand, cand["th"]["review"], cand["th"]["block"]),
               "serving": evaluate(rows, s_serv, th_s["review"]["spam"], th_s["block"]["spam"])}
    decision = gate(figures["candidate"], figures["serving"])
    sha = hashlib.sha256(onnx_bytes).hexdigest()
    result = {"candidate_version": version, "serving_version": serving_version, "gate": decision, "figures": figures,
              "verdicts": counts, "thresholds": cand["th"], "recipe": recipe, "shares": cand["shares"],
              "verdicts_file_sha256": hashlib.sha256(verdicts_raw).hexdigest(), "onnx_drift": drift,
              "candidate_sha256": sha, "seconds": round(time.perf_counter() - t0, 1)}

    if decision["passed"]:
        out = models_dir / NAME / version
        out.mkdir(parents=True)
        result["written"] = str(out.relative_to(root)) if out.is_relative_to(root) else str(out)
        (out / "model.onnx").write_bytes(onnx_bytes)
        dev = cand["dev"]
        y = np.array([r.label for r in rows])
        evaluation = {
            "chosen": {"family": "hashed_linear", "shares": cand["shares"], "C": cand["C"], "platt": [cand["a"], cand["c"]],
                       "sha256": sha, "bytes": len(onnx_bytes)},
            "thresholds": cand["th"], "prevalence": ev.PREVALENCE,
            "empty_text_score": float(onnx_scores(onnx_bytes, [featurizer.featurize("\n\n")])[0]),
            "sources": {**stats, "verdicts": {"topic": "integrity.reviews.v1 (ReviewVerdict) joined with pins.created.v1",
                                              "file": "training-verdicts.jsonl", "sha256": result["verdicts_file_sha256"],
                                              "license": "reviewer verdicts of this deployment", **counts}},
            "sizes": {"/".join(k): {"total": len(v), "spam": int(y[v].sum())} for k, v in _index(rows).items()},
            "systems": {"hashed_linear": {"sets": figures["candidate"]}},
        }
        manifest = report2.manifest(name=NAME, version=version, sha=sha, size=len(onnx_bytes), inputs=serving_manifest["inputs"],
                                    preprocess=serving_manifest["preprocess"], evaluation=evaluation)
        manifest["source"]["training_code"] = "training/ (text_spam.retrain, the recipe of text_spam.build2)"
        manifest["source"]["based_on"] = f"{NAME}@{serving_version} (sha256 {serving_manifest['sha256']})"
        manifest["thresholds"]["chosen_on"] = f"pins/dev (+ validation ham), {len(dev)} pins"
        manifest["build"] = {"command": "npm run models:retrain", "retrain": {"gate": decision, "figures": figures}}
        policy = policy_for(root, serving_version, version, cand["th"], sha)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        (out / "policy.json").write_text(json.dumps(policy, indent=2, ensure_ascii=False) + "\n")
        (out / "training-verdicts.jsonl").write_text("".join(json.dumps(k, ensure_ascii=False) + "\n" for k in kept))
        (out / "RETRAIN.md").write_text(markdown(result))
        (out / "RETRAIN.json").write_text(json.dumps(result, indent=2) + "\n")
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "RETRAIN.md").write_text(markdown(result))
    (report_dir / "RETRAIN.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"passed": decision["passed"], "candidate": f"{NAME}@{version}", "serving": f"{NAME}@{serving_version}",
                      "written": result.get("written"), "report": str(report_dir / "RETRAIN.md"),
                      "heldout_errors": {k: figures[k]["verdicts/heldout"]["errors"] for k in figures},
                      "heldout": counts["heldout"], "seconds": result["seconds"]}))


def _index(rows: list[Row]) -> dict:
    out: dict = {}
    for i, r in enumerate(rows):
        out.setdefault((r.source, r.part), []).append(i)
    return dict(sorted(out.items()))


if __name__ == "__main__":
    main()
