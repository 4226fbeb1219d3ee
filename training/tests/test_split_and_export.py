import numpy as np
import onnxruntime as ort

from text_spam import featurizer, onnx_export
from text_spam.split import split, split_digest


def _ids():
    ids = [f"g{i % 3}/{i:05d}" for i in range(300)]
    return ids, [i.split("/")[0] for i in ids]


def test_split_is_deterministic_disjoint_and_stratified():
    ids, groups = _ids()
    a, b = split(ids, groups, 42), split(ids, groups, 42)
    assert a == b and split_digest(ids, a) == split_digest(ids, b)
    rows = a["train"] + a["validation"] + a["test"]
    assert sorted(rows) == list(range(300))
    assert [sum(groups[i] == "g0" for i in a[k]) for k in ("train", "validation", "test")] == [70, 15, 15]
    assert split(ids, groups, 7) != a


def test_split_ignores_input_order():
    ids, groups = _ids()
    rev = split(ids[::-1], groups[::-1], 42)
    fwd = split(ids, groups, 42)
    assert sorted(ids[::-1][i] for i in rev["test"]) == sorted(ids[i] for i in fwd["test"])


def test_onnx_graph_matches_numpy_and_is_deterministic():
    rng = np.random.default_rng(0)
    w = rng.normal(size=featurizer.BUCKETS)
    b = 0.3
    model = onnx_export.build(w, b)
    assert model == onnx_export.build(w, b)
    rows = [featurizer.featurize(t) for t in ["cheap pills http://x.biz", "", "hello team, meeting at 10"]]
    idx, val = onnx_export.pad(rows)
    p = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"indices": idx, "values": val})[0]
    w32 = w.astype(np.float32)
    expected = [1 / (1 + np.exp(-(float(np.dot(w32[i], v)) + b))) for i, v in rows]
    assert np.allclose(p[:, 1], expected, atol=1e-6)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-6)
