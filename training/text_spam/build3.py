"""text-spam v3: build2's data plus the second batch of written training pins (train-written-3.tsv)
and a second held-out set (unseen2.tsv) -> hashed linear candidates over `iw-text-hash-v1` and
`iw-text-hash-v2` (char n-grams and shape features) -> choice on the development pins -> calibration
at 3% prevalence -> thresholds -> evaluation beside text-spam@2 and @1 as served and the peers ->
models/text-spam/3, policy-v3 and the parity fixtures.

    python -m text_spam.build3 --repo-root .. [--no-peers]

The MiniLM family of build2 is not rebuilt here: on @2's data it was far behind the hashed model
(dev spam flagged 61.8% vs 92.7%) at 1/40 of its speed and most of build2's 46-minute build.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from scipy import sparse

from . import featurizer, featurizer2, onnx_export, peers, report2, sources
from . import evaluate2 as ev
from .build import onnx_scores
from .build2 import _eml, _prauc, cpu_rate, fit_lr, load_rows, weights

NAME, VERSION = "text-spam", "3"
SHARES = ({"pins": 0.4, "sms": 0.2, "tweets": 0.2, "spamassassin": 0.2},
          {"pins": 0.6, "sms": 0.15, "tweets": 0.15, "spamassassin": 0.1})
CS = (1.0, 10.0, 100.0)
FEATURES = {"v1": None, "v2-shape": (), "v2-ngrams3-5": (3, 5)}
EVAL_SETS = (("pins", "dev"), ("pins", "unseen"), ("pins", "unseen2"), ("spamassassin", "test"), ("sms", "test"),
             ("tweets", "test"))
HELD_OUT = ("unseen", "unseen2")
MAX_HAM_FLAGGED = 0.02
# Choice on the development pins: most spam flagged at the REVIEW threshold, then the strongest
# regularization (smallest C), then most spam blocked; ties keep the first of FEATURES (the simpler
# featurizer). With the written pins of train-written-3 several candidates flag every dev spam pin, and
# the first build broke those ties by spam blocked: that picked C=100, an over-confident model whose
# BLOCK threshold (above every dev ham pin) still blocked a benign unseen pin. Dev cannot tell these
# candidates apart, so the tie goes to the model that trusts its training data least.


def pins3(rows):
    """build2's rows plus train-written-3.tsv (train) and unseen2.tsv (held out)."""
    extra = sources.read_tsv(sources.PINS_DIR / "train-written-3.tsv", "train") + \
        sources.read_tsv(sources.PINS_DIR / "unseen2.tsv", "unseen2")
    files = {n: sources.sha256((sources.PINS_DIR / n).read_bytes()) for n in ("train-written-3.tsv", "unseen2.tsv")}
    return rows + extra, files


def featurize_all(texts, kind):
    if FEATURES[kind] is None:
        return [featurizer.featurize(t) for t in texts], featurizer.BUCKETS
    return [featurizer2.featurize(t, FEATURES[kind]) for t in texts], featurizer2.DEFAULT_BUCKETS


def matrix(rows, buckets):
    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    idx = np.concatenate([i for i, _ in rows])
    val = np.concatenate([v for _, v in rows]).astype(np.float64)
    return sparse.csr_matrix((val, idx, indptr), shape=(len(rows), buckets))


def served(root: Path, version: str, texts) -> tuple[np.ndarray, dict]:
    """A committed text-spam model's scores (its own v1 featurizer) and its policy's thresholds."""
    d = root / "models" / NAME / version
    man = json.loads((d / "manifest.json").read_text())
    assert man["preprocess"]["featurizer"] == featurizer.NAME, man["preprocess"]["featurizer"]
    s = onnx_scores((d / "model.onnx").read_bytes(), [featurizer.featurize(t) for t in texts])
    pol = json.loads((root / "policy" / f"policy-v{version}.json").read_text())["signals"]["text.spam"]
    return s, {"review": pol["review"]["spam"], "block": pol["block"]["spam"],
               "rule": f"text-spam@{version}'s own thresholds (policy-v{version})"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo-root", type=Path, default=Path(__file__).resolve().parents[2])
    ap.add_argument("--no-peers", action="store_true")
    args = ap.parse_args()
    root = args.repo_root.resolve()
    out_dir = root / "models" / NAME / VERSION
    out_dir.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    rows, stats = load_rows(root)
    rows, files3 = pins3(rows)
    stats["pins"]["files"].update(files3)
    stats["pins"]["train_written_3"] = sum(r.part == "train" and r.source == "pins" for r in rows) - \
        stats["pins"]["train_written"] - stats["pins"]["train_generated"]
    y = np.array([r.label for r in rows])
    texts = [r.text for r in rows]
    idx = {k: [i for i, r in enumerate(rows) if (r.source, r.part) == k] for k in {(r.source, r.part) for r in rows}}
    train = [i for i, r in enumerate(rows) if r.part == "train"]
    dev = idx[("pins", "dev")]
    ham_extra = [i for k in (("sms", "validation"), ("tweets", "validation")) for i in idx[k] if y[i] == 0]
    print(f"rows {len(rows)}; train {len(train)}; " + ", ".join(f"{a}/{b} {len(v)}" for (a, b), v in sorted(idx.items())))

    feats, cands = {}, {}
    for kind in FEATURES:
        t0 = time.perf_counter()
        fr, buckets = featurize_all(texts, kind)
        X = matrix(fr, buckets)
        feats[kind] = (fr, buckets)
        print(f"features {kind}: {time.perf_counter() - t0:.0f}s", flush=True)
        for si, shares in enumerate(SHARES):
            for C in CS:
                w, b = fit_lr(X[train], y[train], weights(rows, train, shares), C)
                z = np.asarray(X @ w).ravel() + b
                a, c = ev.platt(z[dev], y[dev])
                s = 1 / (1 + np.exp(-(a * z + c)))
                th = ev.thresholds(y[dev], s[dev], s[ham_extra])
                r = ev.rates(y[dev], s[dev], th["review"], th["block"])
                name = f"hashed_linear[{kind}] shares={si} C={C}"
                print(f"  {name:44s} dev spam flagged {r['spam_flagged']:.3f} blocked {r['spam_blocked']:.3f} "
                      f"ham flagged {r['ham_flagged']:.3f}", flush=True)
                cands[name] = {"family": f"hashed_linear[{kind}]", "kind": kind, "shares": shares, "C": C, "w": w, "b": b,
                               "a": a, "c": c, "s": s, "th": th, "dev": r, "key": (r["spam_flagged"], -C, r["spam_blocked"])}
    best = {}
    for v in cands.values():
        if v["family"] not in best or v["key"] > best[v["family"]]["key"]:
            best[v["family"]] = v
    chosen = max(best.values(), key=lambda v: v["key"])
    family, kind = chosen["family"], chosen["kind"]
    print(f"chosen {family} shares={chosen['shares']} C={chosen['C']}")

    # Export with the calibration folded in, then score with the ONNX file itself.
    fr, buckets = feats[kind]
    onnx_bytes = onnx_export.build(chosen["a"] * chosen["w"], chosen["a"] * chosen["b"] + chosen["c"])
    s_onnx = onnx_scores(onnx_bytes, fr)
    drift = float(np.max(np.abs(s_onnx - chosen["s"])))
    print(f"ONNX vs training math: max |dp| = {drift:.2e}")
    assert drift < 1e-4, drift
    chosen["s"] = s_onnx
    th = ev.thresholds(y[dev], s_onnx[dev], s_onnx[ham_extra])
    (out_dir / "model.onnx").write_bytes(onnx_bytes)
    sha = hashlib.sha256(onnx_bytes).hexdigest()
    preprocess = featurizer.spec() if FEATURES[kind] is None else featurizer2.spec(FEATURES[kind], buckets)

    systems = {family: s_onnx}
    for f, v in best.items():
        if f != family:
            systems[f] = v["s"]
    fixed = {}
    for version in ("2", "1"):
        systems[f"text-spam@{version}"], fixed[f"text-spam@{version}"] = served(root, version, texts)
    speed = {}
    need = sorted({i for k in EVAL_SETS for i in idx[k]} | set(ham_extra))
    if not args.no_peers:
        tr_ham = [(str(i), _eml(rows[i])) for i in train if y[i] == 0]
        tr_spam = [(str(i), _eml(rows[i])) for i in train if y[i] == 1]
        test_rows = [(str(i), _eml(rows[i])) for i in need]
        for name, fn in (("bogofilter", peers.bogofilter), ("spamprobe", peers.spamprobe)):
            t0 = time.perf_counter()
            out = {}
            speed[name] = cpu_rate(lambda: out.setdefault("s", fn(tr_ham, tr_spam, test_rows)), len(test_rows))
            s = np.full(len(rows), np.nan)
            s[need] = out["s"]
            systems[name] = s
            print(f"  peer {name}: {time.perf_counter() - t0:.0f}s", flush=True)

    pin_idx = dev + idx[("pins", "unseen")] + idx[("pins", "unseen2")]
    pin_texts = [texts[i] for i in pin_idx] * 4
    ngrams = FEATURES[kind]
    speed[family] = cpu_rate(lambda: onnx_scores(onnx_bytes, [featurizer2.featurize(t, ngrams) for t in pin_texts]
                                                 if ngrams is not None else [featurizer.featurize(t) for t in pin_texts]),
                             len(pin_texts))
    v2_bytes = (root / "models" / NAME / "2" / "model.onnx").read_bytes()
    speed["text-spam@2"] = cpu_rate(lambda: onnx_scores(v2_bytes, [featurizer.featurize(t) for t in pin_texts]), len(pin_texts))

    table = {}
    for name, s in systems.items():
        t = fixed.get(name) or (th if name == family else ev.thresholds(y[dev], s[dev], s[ham_extra]))
        per = {}
        for k in EVAL_SETS:
            ii = idx[k]
            per["/".join(k)] = {**ev.rates(y[ii], s[ii], t["review"], t["block"]),
                                **({"pr_auc": _prauc(y[ii], s[ii])} if y[ii].any() and not y[ii].all() else {})}
        table[name] = {"thresholds": t, "sets": per}

    parts = ("dev",) + HELD_OUT
    slices = {}
    for part in parts:
        ii = idx[("pins", part)]
        for key, f in (("length", lambda r: ev.length_bucket(r.text)), ("lang", lambda r: r.lang if r.lang in ("en", "und") else "other"),
                       ("category", lambda r: r.category)):
            groups = {}
            for i in ii:
                groups.setdefault(f(rows[i]), []).append(i)
            slices[f"{part}/{key}"] = {g: ev.rates(y[v], s_onnx[v], th["review"], th["block"]) for g, v in sorted(groups.items())}
    empty_row = featurizer.featurize("\n\n") if ngrams is None else featurizer2.featurize("\n\n", ngrams)
    empty = float(onnx_scores(onnx_bytes, [empty_row])[0])
    calib = {part: {"reliability": ev.reliability(y[idx[("pins", part)]], s_onnx[idx[("pins", part)]]),
                    "ece_at_3pct": ev.ece(y[idx[("pins", part)]], s_onnx[idx[("pins", part)]])} for part in parts}
    misses = {part: [{"label": int(y[i]), "score": float(s_onnx[i]), "title": rows[i].title, "description": rows[i].description[:80]}
                     for i in idx[("pins", part)] if (y[i] == 0 and s_onnx[i] >= th["review"]) or (y[i] == 1 and s_onnx[i] < th["review"])]
              for part in parts}
    decision = decide(table, family)
    evaluation = {
        "chosen": {"family": family, "shares": chosen["shares"], "C": chosen["C"], "platt": [chosen["a"], chosen["c"]],
                   "sha256": sha, "bytes": len(onnx_bytes), "featurizer": preprocess["featurizer"],
                   "char_ngrams": list(ngrams) if ngrams else []},
        "selection": {n: {"dev": v["dev"], "thresholds": v["th"]} for n, v in cands.items()},
        "prevalence": ev.PREVALENCE, "thresholds": th, "empty_text_score": empty,
        "sources": stats, "sizes": {"/".join(k): {"total": len(v), "spam": int(y[v].sum())} for k, v in sorted(idx.items())},
        "systems": table, "speed": speed, "slices": slices, "calibration": calib, "misses": misses, "decision": decision,
        "fixed_note": "text-spam@2 and text-spam@1, which keep their own (policy-v2, policy-v1).",
        "build_seconds": time.perf_counter() - t_start,
    }
    (out_dir / "EVALUATION.json").write_text(json.dumps(evaluation, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "EVALUATION.md").write_text(markdown(evaluation))
    manifest = report2.manifest(name=NAME, version=VERSION, sha=sha, size=len(onnx_bytes), inputs=[
        {"name": "indices", "dtype": "int64", "shape": [-1, -1], "description": "hashed feature buckets, padded with 0"},
        {"name": "values", "dtype": "float32", "shape": [-1, -1], "description": "feature weights, padded with 0.0"}],
        preprocess=preprocess, evaluation=evaluation)
    manifest["source"]["training_code"] = "training/ (text_spam.build3)"
    manifest["build"] = {"command": "npm run models:text3"}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    write_policy(root, th, sha)
    write_fixtures(root, rows, idx, s_onnx, sha, ngrams, buckets, onnx_bytes)
    print(f"model.onnx {len(onnx_bytes)} bytes sha256 {sha}; thresholds {th}; empty text {empty:.4f}; "
          f"decision {decision['serve_by_default']}; {time.perf_counter() - t_start:.0f}s")


def decide(table: dict, family: str) -> dict:
    """Serve @3 by default only if on dev and every held-out pin set it flags at least as much spam as
    @2, with ham flagged <= 2% and no ham blocked."""
    checks = []
    for k in ["pins/dev"] + [f"pins/{p}" for p in HELD_OUT]:
        new, old = table[family]["sets"][k], table["text-spam@2"]["sets"][k]
        ok = (new["spam_flagged"] >= old["spam_flagged"] and new["ham_flagged"] <= MAX_HAM_FLAGGED and new["ham_blocked_n"] == 0)
        checks.append({"set": k, "ok": bool(ok), "spam_flagged": [new["spam_flagged"], old["spam_flagged"]],
                       "ham_flagged": [new["ham_flagged"], old["ham_flagged"]], "ham_blocked_n": new["ham_blocked_n"]})
    return {"serve_by_default": all(c["ok"] for c in checks), "checks": checks,
            "rule": "on pins/dev, pins/unseen and pins/unseen2: spam flagged >= text-spam@2's, ham flagged <= 2%, ham blocked 0"}


def markdown(e: dict) -> str:
    md = report2.markdown(e, model="text-spam@3", command="npm run models:text3", script="training/text_spam/build3.py")
    d = e["decision"]
    pct = lambda x: f"{100 * x:.1f}%"  # noqa: E731
    lines = ["## Default decision\n", f"Rule: {d['rule']}. **Serve text-spam@3 by default: {'yes' if d['serve_by_default'] else 'no'}.**\n",
             "| set | @3 spam flagged | @2 spam flagged | @3 ham flagged | @2 ham flagged | @3 ham blocked | passes |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {c['set']} | {pct(c['spam_flagged'][0])} | {pct(c['spam_flagged'][1])} | {pct(c['ham_flagged'][0])} | "
              f"{pct(c['ham_flagged'][1])} | {c['ham_blocked_n']} | {'yes' if c['ok'] else 'no'} |" for c in d["checks"]]
    note = (f"\nFeaturizer `{e['chosen']['featurizer']}` (char n-grams {e['chosen']['char_ngrams'] or 'none'}). "
            "unseen2 was written after the training pins, in the style of real pins (blog titles, shop listings, "
            "lowercase, hashtags), and never used to choose anything.\n")
    md = md.replace("pin texts from dev + unseen, one thread", "pin texts from dev + unseen + unseen2, four times, one thread")
    head, sep, rest = md.partition("## Data\n")
    return head + "\n".join(lines) + "\n" + note + "\n" + sep + rest


def write_policy(root: Path, th: dict, sha: str) -> None:
    v2 = json.loads((root / "policy" / "policy-v2.json").read_text())
    policy = {
        "version": "policy-v3",
        "description": "text-spam@3 thresholds chosen on the development pins for 3% spam prevalence "
                       f"(models/text-spam/3/EVALUATION.md, model sha256 {sha[:12]}); image thresholds as in policy-v2.",
        "combine": v2["combine"],
        "signals": {"image.safety": v2["signals"]["image.safety"],
                    "text.spam": {"model": "text-spam@3", "review": {"spam": th["review"]}, "block": {"spam": th["block"]}}},
        "unscored": v2["unscored"],
    }
    (root / "policy" / "policy-v3.json").write_text(json.dumps(policy, indent=2, ensure_ascii=False) + "\n")


def write_fixtures(root: Path, rows, idx, scores, sha, ngrams, buckets, onnx_bytes) -> None:
    """test/fixtures/text-spam-3/vectors.json: text -> features (digest, and full vectors for the edge
    texts) and p(spam) from onnxruntime on the committed model."""
    out = root / "test" / "fixtures" / "text-spam-3"
    out.mkdir(parents=True, exist_ok=True)
    edge = report2.EDGE_TEXTS + SHAPE_TEXTS
    pick = idx[("pins", "dev")] + idx[("pins", "unseen")] + idx[("pins", "unseen2")] + idx[("pins", "train")][:300] + \
        idx[("sms", "test")][:60] + idx[("tweets", "test")][:20] + [i for i in idx[("spamassassin", "test")] if len(rows[i].text) < 6000][:20]
    texts = edge + [rows[i].text for i in pick]
    fz = (lambda t: featurizer.featurize(t)) if ngrams is None else (lambda t: featurizer2.featurize(t, ngrams, buckets))
    fr = [fz(t) for t in texts]
    p = onnx_scores(onnx_bytes, fr)
    vectors = []
    for j, (t, (ii, vv), s) in enumerate(zip(texts, fr, p)):
        v = {"text": t, "features_sha256": featurizer.feature_digest(ii, vv), "p_spam": float(s)}
        if j < len(edge):
            v.update({"indices": ii.tolist(), "values": [float(x) for x in vv],
                      **({"strings": featurizer2.feature_strings(t, ngrams)} if ngrams is not None else {})})
        vectors.append(v)
    (out / "vectors.json").write_text(json.dumps({"model_sha256": sha, "featurizer": featurizer.NAME if ngrams is None else featurizer2.NAME,
                                                  "vectors": vectors}, ensure_ascii=True, indent=0) + "\n")
    (out / "README.md").write_text(
        "# text-spam@3 parity fixtures\n\nGenerated by `npm run models:text3`; do not edit.\n\n"
        f"- `vectors.json`: text -> sha256 of the Python features (int32 indices + float32 values), p(spam) from "
        f"onnxruntime on the committed model (sha256 `{sha}`); the edge texts also carry the feature strings, indices and values.\n\n"
        "`test/unit/models/text-spam-3.test.ts` checks the TypeScript featurizer exactly and the worker's scores to 1e-6.\n")


SHAPE_TEXTS = [
    "$$$ FAST MONEY $$$\n\n", "DM for $$ 💰💸\n\n", "I made $14,800.50 and 3.000 € and 250 usd\n\n", "price 19.99$ or €5\n\n",
    "telegram @kingpro_99, whatsapp +1 (347) 555-0192\n\n", "mail me at jobs@shop.com\n\n", "fr33 v!agra c@sh m0ney\n\n",
    "r e p l i c a  b a g s, f-r-e-e, c.a.s.h\n\n", "WIN NOW!!! FREE GIFT CARD ✨\n\n", "𝐅𝐑𝐄𝐄 ℱℛℰℰ Ｆｒｅｅ Ⓕⓡⓔⓔ 🄵🅁🄴🄴\n\n",
    "go\n\nhttp://bit.ly/3xAbc", "\n\nhttps://my-cheap-deal-shop.top/p?id=1", "\n\nhttp://a.b.c.example.com/x https://xn--80ak6aa92e.com",
    "\n\nhttp://45.133.1.88/offer", "DİYARBAKIR İSTANBUL ǅ ß\n\n", "zap: 11 99999-8888\n\n", "e\u0301\u0301 😀😀😀 ééé\n\n",
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen\n\n",
]


if __name__ == "__main__":
    main()
